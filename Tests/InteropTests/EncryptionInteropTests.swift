import Foundation
import Testing
import TestSupport

extension Interop {
    /// Message Stream Encryption against libtorrent set to insist on RC4, both ways.
    @Suite(.serialized) struct EncryptionInteropTests {
        static let haveLibtorrent = SwarmInteropTests.haveLibtorrent

        @Test(.enabled(if: haveLibtorrent, "python3-libtorrent is not installed"))
        func libtorrentThatRequiresEncryptionDownloadsFromRill() throws {
            try SwarmInteropTests.requireLibtorrent()
            let dir = try TemporaryDirectory()
            defer { dir.remove() }
            try dir.write("seed/secret.bin", pseudoRandomBytes(count: 3_000_017, seed: 41))
            let torrent = dir.file("secret.torrent")
            try RillBinary.run(["create", dir.file("seed/secret.bin"), "-o", torrent, "--piece-size", "64k"])
            let (seeder, port) = try SwarmInteropTests.startRillSeeder(torrent: torrent, dir: dir.file("seed"),
                                                                        host: "127.0.0.5", home: dir.file("home"))
            defer { seeder.stop() }
            let download = try ExternalTool.run("/usr/bin/python3", [
                Libtorrent.script, "download", torrent, dir.file("leech"), "--listen", "127.0.0.6:0",
                "--peer", "127.0.0.5:\(port)", "--seconds", "60", "--encryption", "forced",
            ], timeout: 90)
            #expect(download.status == 0, "libtorrent did not finish: \(download.stdout) \(download.stderr)")
            #expect(FileManager.default.contents(atPath: dir.file("leech/secret.bin"))
                == FileManager.default.contents(atPath: dir.file("seed/secret.bin")))
        }

        @Test(.enabled(if: haveLibtorrent, "python3-libtorrent is not installed"))
        func rillRetriesEncryptedWhenLibtorrentRefusesPlaintext() throws {
            try SwarmInteropTests.requireLibtorrent()
            let dir = try TemporaryDirectory()
            defer { dir.remove() }
            try dir.write("seed/secret.bin", pseudoRandomBytes(count: 3_000_017, seed: 42))
            let torrent = dir.file("secret.torrent")
            try RillBinary.run(["create", dir.file("seed/secret.bin"), "-o", torrent, "--piece-size", "64k"])
            let (seeder, port) = try SwarmInteropTests.startLibtorrentSeeder(
                torrent: torrent, dir: dir.file("seed"), host: "127.0.0.7", extra: ["--encryption", "forced"])
            defer { seeder.stop() }

            let started = Date()
            let download = try ExternalTool.run(RillBinary.path, [
                "download", torrent, "--dir", dir.file("leech"), "--port", "0", "--no-dht", "--no-lsd", "--listen", "127.0.0.1",
                "--peer", "127.0.0.7:\(port)", "--no-trackers",
            ], environment: ["RILL_HOME": dir.file("home")], timeout: 90)
            #expect(download.status == 0, "rill download failed: \(download.stderr)")
            #expect(Date().timeIntervalSince(started) < 30, "the encrypted retry comes within seconds")
            #expect(FileManager.default.contents(atPath: dir.file("leech/secret.bin"))
                == FileManager.default.contents(atPath: dir.file("seed/secret.bin")))
        }

        @Test(.enabled(if: haveLibtorrent, "python3-libtorrent is not installed"))
        func rillRequiringEncryptionDownloadsFromLibtorrent() throws {
            try SwarmInteropTests.requireLibtorrent()
            let dir = try TemporaryDirectory()
            defer { dir.remove() }
            try dir.write("seed/secret.bin", pseudoRandomBytes(count: 2_000_003, seed: 43))
            let torrent = dir.file("secret.torrent")
            try RillBinary.run(["create", dir.file("seed/secret.bin"), "-o", torrent, "--piece-size", "64k"])
            let (seeder, port) = try SwarmInteropTests.startLibtorrentSeeder(torrent: torrent, dir: dir.file("seed"),
                                                                              host: "127.0.0.8")
            defer { seeder.stop() }
            let download = try ExternalTool.run(RillBinary.path, [
                "download", torrent, "--dir", dir.file("leech"), "--port", "0", "--no-dht", "--no-lsd", "--listen", "127.0.0.1",
                "--peer", "127.0.0.8:\(port)", "--no-trackers", "--encryption", "required",
            ], environment: ["RILL_HOME": dir.file("home")], timeout: 90)
            #expect(download.status == 0, "rill download failed: \(download.stderr)")
            #expect(FileManager.default.contents(atPath: dir.file("leech/secret.bin"))
                == FileManager.default.contents(atPath: dir.file("seed/secret.bin")))
        }
    }
}
