import Foundation
import Testing
import TestSupport

extension Interop {
    /// Magnet links and peer exchange with libtorrent over 127.0.0.0/8, no tracker and no DHT.
    @Suite(.serialized) struct MagnetInteropTests {
        static let haveLibtorrent = SwarmInteropTests.haveLibtorrent

        /// Makes a v1 torrent of `size` pseudo-random bytes with libtorrent; returns its path and info-hash.
        static func makeTorrent(_ dir: TemporaryDirectory, name: String, size: Int) throws -> (String, String) {
            try dir.write("seed/\(name)", pseudoRandomBytes(count: size, seed: UInt64(size)))
            let torrent = dir.file("\(name).torrent")
            try Libtorrent.create(dir.file("seed/\(name)"), output: torrent, v1Only: true)
            return (torrent, try Libtorrent.info(torrent).info_hash)
        }

        @Test(.enabled(if: haveLibtorrent, "python3-libtorrent is not installed"))
        func rillFetchesMetadataFromLibtorrentThroughAMagnetLink() throws {
            try SwarmInteropTests.requireLibtorrent()
            let dir = try TemporaryDirectory()
            defer { dir.remove() }
            let (torrent, hash) = try Self.makeTorrent(dir, name: "clip.bin", size: 4_000_037)
            let (seeder, port) = try SwarmInteropTests.startLibtorrentSeeder(torrent: torrent, dir: dir.file("seed"),
                                                                             host: "127.0.0.2")
            defer { seeder.stop() }

            let download = try ExternalTool.run(RillBinary.path, [
                "download", "magnet:?xt=urn:btih:\(hash)&x.pe=127.0.0.2:\(port)", "--dir", dir.file("leech"),
                "--port", "0", "--listen", "127.0.0.1", "--no-trackers",
            ], environment: ["RILL_HOME": dir.file("home")], timeout: 120)
            #expect(download.status == 0, "rill download failed: \(download.stderr)")
            #expect(download.stderr.contains("fetching metadata from"), "\(download.stderr)")
            #expect(download.stderr.contains("received the metadata of clip.bin"), "\(download.stderr)")
            #expect(FileManager.default.contents(atPath: dir.file("leech/clip.bin"))
                == FileManager.default.contents(atPath: dir.file("seed/clip.bin")))
            // The report's figure: time from start to the first payload byte.
            let first = download.stderr.split(separator: "\n").first { $0.contains("first data after") }
            print("magnet from libtorrent: \(first ?? "no first-data line")")
            #expect(first != nil)
        }

        @Test(.enabled(if: haveLibtorrent, "python3-libtorrent is not installed"))
        func rillLearnsASeederThroughPexFromLibtorrent() throws {
            try SwarmInteropTests.requireLibtorrent()
            let dir = try TemporaryDirectory()
            defer { dir.remove() }
            let (torrent, _) = try Self.makeTorrent(dir, name: "big.bin", size: 12_000_029)
            // B seeds; A downloads from B slowly (so it stays connected to B and partial); rill knows only A.
            let (seederB, portB) = try SwarmInteropTests.startLibtorrentSeeder(torrent: torrent, dir: dir.file("seed"),
                                                                               host: "127.0.0.3")
            defer { seederB.stop() }
            let peerA = try BackgroundProcess("/usr/bin/python3", [
                Libtorrent.script, "download", torrent, dir.file("a"), "--listen", "127.0.0.2:0",
                "--peer", "127.0.0.3:\(portB)", "--seconds", "100", "--max-down", "100000",
            ])
            defer { peerA.stop() }
            let portA = try #require(peerA.waitForLine(matching: "ready ([0-9]+)", timeout: 60).flatMap { Int($0) },
                                     "libtorrent peer A did not start: \(peerA.printed)")

            let download = try ExternalTool.run(RillBinary.path, [
                "download", torrent, "--dir", dir.file("leech"), "--port", "0", "--listen", "127.0.0.4",
                "--peer", "127.0.0.2:\(portA)", "--no-trackers", "--verbose",
            ], environment: ["RILL_HOME": dir.file("home")], timeout: 120)
            #expect(download.status == 0, "rill download failed: \(download.stderr.suffix(3000))")
            #expect(download.stderr.contains("connected to 127.0.0.3:\(portB) (learnt from pex)"),
                    "rill did not reach B through PEX: \(download.stderr.suffix(3000))")
            #expect(FileManager.default.contents(atPath: dir.file("leech/big.bin"))
                == FileManager.default.contents(atPath: dir.file("seed/big.bin")))
        }

        @Test(.enabled(if: haveLibtorrent, "python3-libtorrent is not installed"))
        func libtorrentFetchesMetadataFromRill() throws {
            try SwarmInteropTests.requireLibtorrent()
            let dir = try TemporaryDirectory()
            defer { dir.remove() }
            try dir.write("seed/album/one.bin", pseudoRandomBytes(count: 1_500_001, seed: 51))
            try dir.write("seed/album/two.bin", pseudoRandomBytes(count: 700_003, seed: 52))
            let torrent = dir.file("album.torrent")
            try RillBinary.run(["create", dir.file("seed/album"), "-o", torrent, "--piece-size", "32k"])
            let hash = try RillBinary.info(torrent).info_hash
            let (seeder, port) = try SwarmInteropTests.startRillSeeder(torrent: torrent, dir: dir.file("seed"),
                                                                       host: "127.0.0.3", home: dir.file("home"))
            defer { seeder.stop() }

            let download = try ExternalTool.run("/usr/bin/python3", [
                Libtorrent.script, "magnet", "magnet:?xt=urn:btih:\(hash)", dir.file("leech"),
                "--listen", "127.0.0.4:0", "--peer", "127.0.0.3:\(port)", "--seconds", "90",
            ], timeout: 120)
            #expect(download.status == 0, "libtorrent did not finish: \(download.stdout) \(download.stderr)")
            #expect(download.stdout.contains("\"complete\": true"))
            for file in ["one.bin", "two.bin"] {
                #expect(FileManager.default.contents(atPath: dir.file("leech/album/\(file)"))
                    == FileManager.default.contents(atPath: dir.file("seed/album/\(file)")))
            }
        }
    }
}
