import Foundation
import Testing
import TestSupport
import TorrentCore

extension Interop {
    /// BitTorrent v2 and hybrid torrents (BEP 52) with libtorrent over 127.0.0.0/8.
    @Suite(.serialized) struct V2InteropTests {
        static let haveLibtorrent = SwarmInteropTests.haveLibtorrent

        /// A folder of files of awkward sizes: smaller than a block, a block and one byte, several
        /// pieces with a short tail, and an empty file.
        static func writeAlbum(_ dir: TemporaryDirectory, under root: String) throws -> [String] {
            let files: [(String, Int)] = [("cd1/one.bin", 1_234_567), ("cd1/tiny.txt", 5), ("empty.txt", 0),
                                          ("cd2/deep/two.bin", 2_000_003), ("cd2/block.bin", 16_385)]
            for (index, (path, size)) in files.enumerated() {
                try dir.write("\(root)/album/\(path)", pseudoRandomBytes(count: size, seed: UInt64(40 + index)))
            }
            return files.map(\.0)
        }

        static func expectSameFiles(_ dir: TemporaryDirectory, _ files: [String], from: String, to: String) {
            for file in files {
                let original = FileManager.default.contents(atPath: dir.file("\(from)/album/\(file)"))
                let copy = FileManager.default.contents(atPath: dir.file("\(to)/album/\(file)"))
                #expect(copy != nil && copy == original, "\(file) differs")
            }
            // Padding files only align pieces; they never reach the disk.
            #expect(!FileManager.default.fileExists(atPath: dir.file("\(to)/album/.pad")))
        }

        @Test(.enabled(if: haveLibtorrent, "python3-libtorrent is not installed"),
              arguments: ["v2-only", "hybrid"])
        func rillDownloadsAMultiFileTorrentFromLibtorrent(kind: String) throws {
            try SwarmInteropTests.requireLibtorrent()
            let dir = try TemporaryDirectory()
            defer { dir.remove() }
            let files = try Self.writeAlbum(dir, under: "seed")
            let torrent = dir.file("album.torrent")
            try Libtorrent.create(dir.file("seed/album"), output: torrent, v1Only: false, v2Only: kind == "v2-only")
            let facts = try Libtorrent.info(torrent)
            let (seeder, port) = try SwarmInteropTests.startLibtorrentSeeder(torrent: torrent, dir: dir.file("seed"),
                                                                             host: "127.0.0.2")
            defer { seeder.stop() }

            let download = try ExternalTool.run(RillBinary.path, [
                "download", torrent, "--dir", dir.file("leech"), "--port", "0", "--no-dht", "--no-lsd", "--listen", "127.0.0.1",
                "--peer", "127.0.0.2:\(port)", "--no-trackers",
            ], environment: ["RILL_HOME": dir.file("home")], timeout: 120)
            #expect(download.status == 0, "rill download failed: \(download.stderr.suffix(3000))")
            Self.expectSameFiles(dir, files, from: "seed", to: "leech")
            // A v2-only torrent goes by its 64-hex SHA-256 info-hash; a hybrid keeps its v1 hex.
            let shown = kind == "v2-only" ? try #require(facts.info_hash_v2) : facts.info_hash
            #expect(download.stderr.contains("(\(shown))"), "\(download.stderr.prefix(2000))")
        }

        @Test(.enabled(if: haveLibtorrent, "python3-libtorrent is not installed"),
              arguments: ["--v2", "--hybrid"])
        func libtorrentDownloadsATorrentMadeByRillCreate(flag: String) throws {
            try SwarmInteropTests.requireLibtorrent()
            let dir = try TemporaryDirectory()
            defer { dir.remove() }
            let files = try Self.writeAlbum(dir, under: "seed")
            let torrent = dir.file("album.torrent")
            let made = try ExternalTool.run(RillBinary.path, ["create", dir.file("seed/album"), "-o", torrent,
                                                              "--piece-size", "32k", flag],
                                            environment: ["RILL_HOME": dir.file("home")], timeout: 60)
            #expect(made.status == 0, "rill create failed: \(made.stderr)")

            // libtorrent reads it, agrees on the v2 hash, and finds every piece of the data valid.
            let facts = try Libtorrent.info(torrent)
            let v2 = try #require(facts.info_hash_v2)
            #expect(made.stdout.contains("v2 hash    \(v2)"), "\(made.stdout)")
            #expect(facts.files.filter { !$0.pad }.count == files.count)
            let check = try Libtorrent.check(torrent, savePath: dir.file("seed"))
            #expect(check.num_have == facts.num_pieces && check.pieces.allSatisfy { $0 })
            if flag == "--hybrid", let show = ExternalTool.find("transmission-show") {
                // Transmission 4 reads a hybrid as v1 (with BEP 47 padding files); 3.00 refuses every
                // torrent with a `meta version` 2, libtorrent's too. Ours fares as libtorrent's does.
                let reference = dir.file("reference.torrent")
                try Libtorrent.create(dir.file("seed/album"), output: reference, v1Only: false)
                let theirs = try ExternalTool.run(show, [reference], timeout: 30)
                let ours = try ExternalTool.run(show, [torrent], timeout: 30)
                #expect(ours.status == theirs.status, "\(ours.stdout)\(ours.stderr)")
                if ours.status == 0 { #expect(ours.stdout.contains(facts.info_hash), "\(ours.stdout)") }
                print("transmission-show on a hybrid made by rill: status \(ours.status) (libtorrent's: \(theirs.status))")
            }

            let (seeder, port) = try SwarmInteropTests.startRillSeeder(torrent: torrent, dir: dir.file("seed"),
                                                                       host: "127.0.0.3", home: dir.file("home"))
            defer { seeder.stop() }
            let download = try ExternalTool.run("/usr/bin/python3", [
                Libtorrent.script, "download", torrent, dir.file("leech"), "--listen", "127.0.0.4:0",
                "--peer", "127.0.0.3:\(port)", "--seconds", "90",
            ], timeout: 120)
            #expect(download.status == 0, "libtorrent did not finish: \(download.stdout) \(download.stderr)\n\(seeder.printed.suffix(2000))")
            Self.expectSameFiles(dir, files, from: "seed", to: "leech")
        }

        @Test(.enabled(if: haveLibtorrent, "python3-libtorrent is not installed"))
        func aV2MagnetFetchesMetadataAndPieceLayersFromLibtorrent() throws {
            try SwarmInteropTests.requireLibtorrent()
            let dir = try TemporaryDirectory()
            defer { dir.remove() }
            let files = try Self.writeAlbum(dir, under: "seed")
            let torrent = dir.file("album.torrent")
            try Libtorrent.create(dir.file("seed/album"), output: torrent, v1Only: false, v2Only: true)
            let v2 = try #require(try Libtorrent.info(torrent).info_hash_v2)
            let (seeder, port) = try SwarmInteropTests.startLibtorrentSeeder(torrent: torrent, dir: dir.file("seed"),
                                                                             host: "127.0.0.2")
            defer { seeder.stop() }

            let download = try ExternalTool.run(RillBinary.path, [
                "download", "magnet:?xt=urn:btmh:1220\(v2)&x.pe=127.0.0.2:\(port)", "--dir", dir.file("leech"),
                "--port", "0", "--no-dht", "--no-lsd", "--listen", "127.0.0.1", "--no-trackers",
            ], environment: ["RILL_HOME": dir.file("home")], timeout: 120)
            #expect(download.status == 0, "rill download failed: \(download.stderr.suffix(3000))")
            #expect(download.stderr.contains("received the metadata of album"), "\(download.stderr.suffix(3000))")
            Self.expectSameFiles(dir, files, from: "seed", to: "leech")
        }
    }
}

extension Interop.V2InteropTests {
    static let haveTracker = ExternalTool.toolsRequired || (OpenTrackerProcess.binary != nil && ExternalTool.hasPythonLibtorrent)

    /// A hybrid seeded by rill is in both swarms: a libtorrent that knows only the v2 hash (a btmh
    /// magnet) finds rill through the tracker under the truncated v2 hash and downloads from it.
    @Test(.enabled(if: haveTracker, "opentracker or python3-libtorrent missing"))
    func aHybridSeededByRillIsFoundInItsV2Swarm() throws {
        try Interop.SwarmInteropTests.requireLibtorrent()
        let binary = try #require(OpenTrackerProcess.binary, "opentracker is not installed (CI must have it)")
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        // One piece, so libtorrent needs no piece layer: only the swarm is under test here.
        try dir.write("seed/note.bin", pseudoRandomBytes(count: 60_001, seed: 61))
        let probe = dir.file("probe.torrent")
        try RillBinary.run(["create", dir.file("seed/note.bin"), "-o", probe, "--piece-size", "64k", "--no-date", "--hybrid"])
        let facts = try RillBinary.info(probe)
        let v2 = try #require(facts.info_hash_v2)
        let hashes = try [facts.info_hash, String(v2.prefix(40))].map { try #require(InfoHash(text: $0)) }
        let tracker = try OpenTrackerProcess(binary: binary, whitelist: hashes)
        defer { tracker.stop() }
        let torrent = dir.file("note.torrent")
        try RillBinary.run(["create", dir.file("seed/note.bin"), "-o", torrent, "--piece-size", "64k", "--no-date",
                            "--hybrid", "--tracker", tracker.httpAnnounceURL])
        // opentracker lists the address an announce came from, so the seeder listens where it announces from.
        let (seeder, _) = try Interop.SwarmInteropTests.startRillSeeder(torrent: torrent, dir: dir.file("seed"),
                                                                        host: "127.0.0.1", home: dir.file("home"),
                                                                        trackers: true)
        defer { seeder.stop() }

        let link = "magnet:?xt=urn:btmh:1220\(v2)&tr=\(tracker.httpAnnounceURL)"
        let download = try ExternalTool.run("/usr/bin/python3", [
            Libtorrent.script, "magnet", link, dir.file("leech"), "--listen", "127.0.0.4:0", "--seconds", "90",
        ], timeout: 120)
        #expect(download.status == 0, "libtorrent did not finish: \(download.stdout) \(download.stderr)\n\(seeder.printed.suffix(2000))")
        #expect(FileManager.default.contents(atPath: dir.file("leech/note.bin"))
            == FileManager.default.contents(atPath: dir.file("seed/note.bin")))
    }
}
