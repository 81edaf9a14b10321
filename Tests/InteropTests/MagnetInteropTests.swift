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
            let first = download.stderr.split(separator: "\n").first { $0.contains("first payload byte after") }
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

        @Test func selectDownloadsOnlyTheChosenFilesOfATorrent() throws {
            let dir = try TemporaryDirectory()
            defer { dir.remove() }
            for (index, name) in ["a.bin", "b.bin", "c.bin"].enumerated() {
                try dir.write("seed/set/\(name)", pseudoRandomBytes(count: 600_001 + index, seed: UInt64(60 + index)))
            }
            let torrent = dir.file("set.torrent")
            try RillBinary.run(["create", dir.file("seed/set"), "-o", torrent, "--piece-size", "16k"])
            let files = try #require(try RillBinary.info(torrent).files).map(\.path)
            let (seeder, port) = try SwarmInteropTests.startRillSeeder(torrent: torrent, dir: dir.file("seed"),
                                                                       host: "127.0.0.3", home: dir.file("seed-home"))
            defer { seeder.stop() }
            // Files 1 and 3 as `rill info` numbers them; file 2 is skipped.
            let download = try ExternalTool.run(RillBinary.path, [
                "download", torrent, "--dir", dir.file("leech"), "--port", "0", "--listen", "127.0.0.4",
                "--peer", "127.0.0.3:\(port)", "--no-trackers", "--select", "1,3",
            ], environment: ["RILL_HOME": dir.file("home")], timeout: 120)
            #expect(download.status == 0, "rill download failed: \(download.stderr)")
            for (index, path) in files.enumerated() {
                let relative = path.hasPrefix("set/") ? path : "set/" + path
                let copy = FileManager.default.contents(atPath: dir.file("leech/\(relative)"))
                let original = FileManager.default.contents(atPath: dir.file("seed/\(relative)"))
                if index == 1 {
                    #expect(copy != original, "file 2 (\(path)) was not chosen, so it is not complete")
                } else {
                    #expect(copy == original, "file \(index + 1) (\(path)) differs")
                }
            }
        }

        @Test func badSelectionsAndSeedingAMagnetGiveOneSentence() throws {
            let dir = try TemporaryDirectory()
            defer { dir.remove() }
            let magnet = "magnet:?xt=urn:btih:" + String(repeating: "c", count: 40)
            let bad = try RillBinary.run(["download", magnet, "--dir", dir.file("x"), "--select", "0,2"])
            #expect(bad.status != 0)
            #expect(bad.stderr.contains("--select '0,2' is not a list of file numbers like 1,3-4"), "\(bad.stderr)")
            let seed = try ExternalTool.run(RillBinary.path, ["seed", magnet, "--dir", dir.file("x"), "--port", "0",
                                                              "--listen", "127.0.0.1"],
                                            environment: ["RILL_HOME": dir.file("home")], timeout: 30)
            #expect(seed.status != 0)
            #expect(seed.stderr.contains("rill seed needs a .torrent file"), "\(seed.stderr)")
            let broken = try ExternalTool.run(RillBinary.path, ["download", "magnet:?xt=urn:btih:xyz", "--dir",
                                                                dir.file("x"), "--port", "0", "--listen", "127.0.0.1"],
                                              environment: ["RILL_HOME": dir.file("home")], timeout: 30)
            #expect(broken.status != 0)
            #expect(broken.stderr.contains("info-hash 'xyz' is not 40 hex or 32 base32 characters"), "\(broken.stderr)")
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
            print("libtorrent magnet from rill: \(download.stdout)")
            for file in ["one.bin", "two.bin"] {
                #expect(FileManager.default.contents(atPath: dir.file("leech/album/\(file)"))
                    == FileManager.default.contents(atPath: dir.file("seed/album/\(file)")))
            }
        }
    }
}
