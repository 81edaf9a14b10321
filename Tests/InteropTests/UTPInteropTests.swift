import Foundation
import Testing
import TestSupport

extension Interop {
    /// uTP (BEP 29) against libtorrent with TCP switched off both ways (`--utp-only`), so every
    /// byte that arrives came over uTP: rill downloads from such a seeder (as `--peer`, through a
    /// magnet's `x.pe`, and with MSE/PE required), and such a leecher downloads from `rill seed`.
    @Suite(.serialized) struct UTPInteropTests {
        static let haveLibtorrent = SwarmInteropTests.haveLibtorrent

        private func makeFile(_ dir: TemporaryDirectory, size: Int, seed: UInt64) throws -> String {
            try dir.write("seed/data.bin", pseudoRandomBytes(count: size, seed: seed))
            let torrent = dir.file("data.torrent")
            try Libtorrent.create(dir.file("seed/data.bin"), output: torrent, v1Only: true)
            return torrent
        }

        private func rillDownload(_ source: String, dir: TemporaryDirectory, extra: [String] = []) throws
            -> ExternalTool.Output {
            try ExternalTool.run(RillBinary.path, [
                "download", source, "--dir", dir.file("leech"), "--port", "0", "--no-dht", "--no-lsd",
                "--listen", "127.0.0.1", "--no-trackers", "--verbose",
            ] + extra, environment: ["RILL_HOME": dir.file("home")], timeout: 120)
        }

        private func sameBytes(_ dir: TemporaryDirectory) -> Bool {
            let got = FileManager.default.contents(atPath: dir.file("leech/data.bin"))
            return got != nil && got == FileManager.default.contents(atPath: dir.file("seed/data.bin"))
        }

        @Test(.enabled(if: haveLibtorrent, "python3-libtorrent is not installed"))
        func rillDownloadsFromALibtorrentSeederThatSpeaksOnlyUTP() throws {
            try SwarmInteropTests.requireLibtorrent()
            let dir = try TemporaryDirectory()
            defer { dir.remove() }
            let torrent = try makeFile(dir, size: 6_000_011, seed: 61)
            let (seeder, port) = try SwarmInteropTests.startLibtorrentSeeder(
                torrent: torrent, dir: dir.file("seed"), host: "127.0.0.21", extra: ["--utp-only"])
            defer { seeder.stop() }
            let started = Date()
            let download = try rillDownload(torrent, dir: dir, extra: ["--peer", "127.0.0.21:\(port)"])
            #expect(download.status == 0, "rill download failed: \(download.stderr.suffix(3000))")
            #expect(sameBytes(dir))
            #expect(download.stderr.contains("over utp"), "\(download.stderr.suffix(2000))")
            print("uTP download of 6 MB from libtorrent: \(Date().timeIntervalSince(started)) s")
        }

        @Test(.enabled(if: haveLibtorrent, "python3-libtorrent is not installed"))
        func rillFetchesAMagnetFromAUTPOnlySeederNamedInXPE() throws {
            try SwarmInteropTests.requireLibtorrent()
            let dir = try TemporaryDirectory()
            defer { dir.remove() }
            let torrent = try makeFile(dir, size: 3_000_017, seed: 62)
            let hash = try Libtorrent.info(torrent).info_hash
            let (seeder, port) = try SwarmInteropTests.startLibtorrentSeeder(
                torrent: torrent, dir: dir.file("seed"), host: "127.0.0.22", extra: ["--utp-only"])
            defer { seeder.stop() }
            let download = try rillDownload("magnet:?xt=urn:btih:\(hash)&x.pe=127.0.0.22:\(port)", dir: dir)
            #expect(download.status == 0, "rill download failed: \(download.stderr.suffix(3000))")
            #expect(download.stderr.contains("received the metadata"), "\(download.stderr.suffix(2000))")
            #expect(sameBytes(dir))
        }

        /// `rill seed` on `host`, and a uTP-only libtorrent leecher on `leecherHost` downloading from it.
        private func libtorrentLeechesFromRill(size: Int, seed: UInt64, host: String, leecherHost: String,
                                               extra: [String] = []) throws {
            let dir = try TemporaryDirectory()
            defer { dir.remove() }
            let torrent = try makeFile(dir, size: size, seed: seed)
            let (seeder, port) = try SwarmInteropTests.startRillSeeder(torrent: torrent, dir: dir.file("seed"),
                                                                        host: host, home: dir.file("home"))
            defer { seeder.stop() }
            let download = try ExternalTool.run("/usr/bin/python3", [
                Libtorrent.script, "download", torrent, dir.file("leech"), "--listen", "\(leecherHost):0",
                "--peer", "\(host):\(port)", "--seconds", "90", "--utp-only",
            ] + extra, timeout: 120)
            #expect(download.status == 0, "libtorrent did not finish: \(download.stdout) \(download.stderr)")
            #expect(sameBytes(dir))
        }

        @Test(.enabled(if: haveLibtorrent, "python3-libtorrent is not installed"))
        func aUTPOnlyLibtorrentLeecherDownloadsFromRillSeed() throws {
            try SwarmInteropTests.requireLibtorrent()
            try libtorrentLeechesFromRill(size: 5_000_023, seed: 63, host: "127.0.0.23", leecherHost: "127.0.0.24")
        }

        @Test(.enabled(if: haveLibtorrent, "python3-libtorrent is not installed"))
        func encryptionRunsOverUTPBothWays() throws {
            try SwarmInteropTests.requireLibtorrent()
            let dir = try TemporaryDirectory()
            defer { dir.remove() }
            let torrent = try makeFile(dir, size: 2_000_003, seed: 64)
            // libtorrent insists on RC4 and seeds over uTP only; rill requires encryption too.
            let (seeder, port) = try SwarmInteropTests.startLibtorrentSeeder(
                torrent: torrent, dir: dir.file("seed"), host: "127.0.0.25", extra: ["--utp-only", "--encryption", "forced"])
            defer { seeder.stop() }
            let download = try rillDownload(torrent, dir: dir, extra: ["--peer", "127.0.0.25:\(port)",
                                                                        "--encryption", "required"])
            #expect(download.status == 0, "rill download failed: \(download.stderr.suffix(3000))")
            #expect(sameBytes(dir))

            // The other way: a uTP-only libtorrent leecher that insists on RC4, from `rill seed`.
            try libtorrentLeechesFromRill(size: 2_000_029, seed: 65, host: "127.0.0.26", leecherHost: "127.0.0.27",
                                          extra: ["--encryption", "forced"])
        }
    }
}
