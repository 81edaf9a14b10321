import Foundation
import Testing
import TestSupport

extension Interop {
    /// rill trading real data with libtorrent and Transmission over 127.0.0.0/8.
    @Suite(.serialized) struct SwarmInteropTests {
        static let haveLibtorrent = ExternalTool.toolsRequired || ExternalTool.hasPythonLibtorrent
        static let haveTransmission = ExternalTool.toolsRequired || ExternalTool.find("transmission-cli") != nil

        static func requireLibtorrent() throws {
            try #require(ExternalTool.hasPythonLibtorrent, "python3-libtorrent is not installed (CI must have it)")
        }

        /// Starts `rill seed` and returns it with the port it listens on.
        static func startRillSeeder(torrent: String, dir: String, host: String, home: String,
                                    trackers: Bool = false) throws -> (BackgroundProcess, Int) {
            let seeder = try BackgroundProcess(RillBinary.path, ["seed", torrent, "--dir", dir, "--port", "0", "--no-dht", "--no-lsd",
                                                                 "--listen", host] + (trackers ? [] : ["--no-trackers"]),
                                               environment: ["RILL_HOME": home])
            let port = try #require(seeder.waitForLine(matching: "listening on port ([0-9]+)", timeout: 60).flatMap { Int($0) },
                                    "rill seed did not start: \(seeder.printed)")
            return (seeder, port)
        }

        static func startLibtorrentSeeder(torrent: String, dir: String, host: String,
                                          extra: [String] = []) throws -> (BackgroundProcess, Int) {
            let seeder = try BackgroundProcess("/usr/bin/python3", [Libtorrent.script, "seed", torrent, dir,
                                                                    "--listen", "\(host):0", "--seconds", "300"] + extra)
            let port = try #require(seeder.waitForLine(matching: "ready ([0-9]+)", timeout: 60).flatMap { Int($0) },
                                    "libtorrent seeder did not start: \(seeder.printed)")
            return (seeder, port)
        }

        @Test(.enabled(if: haveLibtorrent, "python3-libtorrent is not installed"))
        func rillDownloadsAMultiFileTorrentFromLibtorrent() throws {
            try Self.requireLibtorrent()
            let dir = try TemporaryDirectory()
            defer { dir.remove() }
            try dir.write("seed/album/cd1/one.bin", pseudoRandomBytes(count: 1_234_567, seed: 11))
            try dir.write("seed/album/empty.txt", [])
            try dir.write("seed/album/cd2/deep/two.bin", pseudoRandomBytes(count: 2_000_003, seed: 12))
            try dir.write("seed/album/three.txt", Array("not aligned to anything\n".utf8))
            let torrent = dir.file("album.torrent")
            try Libtorrent.create(dir.file("seed/album"), output: torrent, v1Only: true)
            let (seeder, port) = try Self.startLibtorrentSeeder(torrent: torrent, dir: dir.file("seed"), host: "127.0.0.2")
            defer { seeder.stop() }

            let download = try ExternalTool.run(RillBinary.path, [
                "download", torrent, "--dir", dir.file("leech"), "--port", "0", "--no-dht", "--no-lsd", "--listen", "127.0.0.1",
                "--peer", "127.0.0.2:\(port)", "--no-trackers",
            ], environment: ["RILL_HOME": dir.file("home")], timeout: 120)
            #expect(download.status == 0, "rill download failed: \(download.stderr)")
            for file in ["cd1/one.bin", "empty.txt", "cd2/deep/two.bin", "three.txt"] {
                let original = FileManager.default.contents(atPath: dir.file("seed/album/\(file)"))
                let copy = FileManager.default.contents(atPath: dir.file("leech/album/\(file)"))
                #expect(copy != nil && copy == original, "\(file) differs")
            }
        }

        @Test(.enabled(if: haveLibtorrent, "python3-libtorrent is not installed"))
        func libtorrentDownloadsFromARillSeeder() throws {
            try Self.requireLibtorrent()
            let dir = try TemporaryDirectory()
            defer { dir.remove() }
            try dir.write("seed/video.bin", pseudoRandomBytes(count: 5_000_001, seed: 21))
            let torrent = dir.file("video.torrent")
            try RillBinary.run(["create", dir.file("seed/video.bin"), "-o", torrent, "--piece-size", "64k"])
            let (seeder, port) = try Self.startRillSeeder(torrent: torrent, dir: dir.file("seed"), host: "127.0.0.3",
                                                          home: dir.file("home"))

            let download = try ExternalTool.run("/usr/bin/python3", [
                Libtorrent.script, "download", torrent, dir.file("leech"), "--listen", "127.0.0.4:0",
                "--peer", "127.0.0.3:\(port)", "--seconds", "90",
            ], timeout: 120)
            #expect(download.status == 0, "libtorrent did not finish: \(download.stdout) \(download.stderr)")
            #expect(FileManager.default.contents(atPath: dir.file("leech/video.bin"))
                == FileManager.default.contents(atPath: dir.file("seed/video.bin")))
            // SIGINT ends seeding cleanly with status 0.
            #expect(seeder.stop(signal: SIGINT) == 0, "rill seed output: \(seeder.printed)")
        }

        @Test(.enabled(if: haveTransmission, "transmission-cli is not installed"))
        func rillDownloadsFromATransmissionSeeder() throws {
            let transmission = try #require(ExternalTool.find("transmission-cli"), "transmission-cli is not installed")
            let dir = try TemporaryDirectory()
            defer { dir.remove() }
            try dir.write("seed/doc.bin", pseudoRandomBytes(count: 3_000_017, seed: 31))
            let torrent = dir.file("doc.torrent")
            try RillBinary.run(["create", dir.file("seed/doc.bin"), "-o", torrent, "--piece-size", "32k"])
            let port = 20_000 + Int.random(in: 0..<20_000)
            let seeder = try BackgroundProcess(transmission, [
                "-w", dir.file("seed"), "-g", dir.file("transmission-config"), "-p", String(port),
                "-et", "-u", "-1", "-d", "-1", torrent,
            ])
            defer { seeder.stop(signal: SIGKILL) }
            // Transmission checks the data first. A peer that connects meanwhile sees only the pieces
            // checked so far and never hears of the rest (StaleBitfieldTests covers rill's answer, a
            // new connection after a minute), so this test dials once Transmission seeds.
            #expect(seeder.waitForLine(matching: "Seeding", timeout: 60) != nil,
                    "transmission never seeded: \(seeder.printed.suffix(2000))")
            let download = try ExternalTool.run(RillBinary.path, [
                "download", torrent, "--dir", dir.file("leech"), "--port", "0", "--no-dht", "--no-lsd", "--listen", "127.0.0.1",
                "--peer", "127.0.0.1:\(port)", "--no-trackers",
            ], environment: ["RILL_HOME": dir.file("home")], timeout: 120)
            #expect(download.status == 0, "rill download failed: \(download.stderr)\ntransmission: \(seeder.printed.suffix(2000))")
            #expect(FileManager.default.contents(atPath: dir.file("leech/doc.bin"))
                == FileManager.default.contents(atPath: dir.file("seed/doc.bin")))
        }
    }

    /// An interrupted download continues where it stopped.
    @Suite(.serialized) struct ResumeInteropTests {
        @Test(.enabled(if: SwarmInteropTests.haveLibtorrent, "python3-libtorrent is not installed"))
        func downloadStoppedWithSIGTERMResumesWithoutRefetchingVerifiedPieces() throws {
            try SwarmInteropTests.requireLibtorrent()
            let dir = try TemporaryDirectory()
            defer { dir.remove() }
            let size = 8_000_000
            try dir.write("seed/big.bin", pseudoRandomBytes(count: size, seed: 41))
            let torrent = dir.file("big.torrent")
            try RillBinary.run(["create", dir.file("seed/big.bin"), "-o", torrent, "--piece-size", "64k"])
            let (seeder, port) = try SwarmInteropTests.startLibtorrentSeeder(torrent: torrent, dir: dir.file("seed"),
                                                                             host: "127.0.0.2")
            defer { seeder.stop() }
            let env = ["RILL_HOME": dir.file("home")]
            let arguments = ["download", torrent, "--dir", dir.file("leech"), "--port", "0", "--no-dht", "--no-lsd", "--listen", "127.0.0.1",
                             "--peer", "127.0.0.2:\(port)", "--no-trackers"]

            // First run: slowed to 2 MB/s, stopped after about two seconds.
            let first = try BackgroundProcess(RillBinary.path, arguments + ["--max-down", "2M"], environment: env)
            #expect(first.waitForLine(matching: "listening on port", timeout: 60) != nil)
            usleep(2_000_000)
            let status = first.stop(signal: SIGTERM)
            #expect(status == 130, "an interrupted download exits 130: \(first.printed)")
            #expect(first.printed.contains("resume data is saved"))

            // The resume data it left is trusted and names the pieces it verified.
            let check = try ExternalTool.run(RillBinary.path, ["check", torrent, "--dir", dir.file("leech"), "--use-resume", "--json"],
                                             environment: env)
            let report = try JSONDecoder().decode(CheckReport.self, from: Data(check.stdout.utf8))
            #expect(report.from_resume, "resume data was written on SIGTERM and matches the files")
            #expect(report.valid > 0 && report.valid < report.total, "stopped halfway: \(report.valid)/\(report.total)")

            // Second run: finishes, fetching only what was missing.
            let second = try ExternalTool.run(RillBinary.path, arguments, environment: env, timeout: 120)
            #expect(second.status == 0, "\(second.stderr)")
            let downloaded = second.stderr.firstMatch(of: /([0-9,]+) bytes downloaded this run/)
                .flatMap { Int($0.1.replacingOccurrences(of: ",", with: "")) }
            let missing = (report.total - report.valid) * 65_536
            #expect(downloaded != nil && downloaded! <= missing, "downloaded \(String(describing: downloaded)), missing \(missing)")
            #expect(FileManager.default.contents(atPath: dir.file("leech/big.bin"))
                == FileManager.default.contents(atPath: dir.file("seed/big.bin")))
        }
    }

    /// A download killed outright keeps what it had flushed to disk a few seconds earlier.
    @Suite(.serialized) struct CrashResumeInteropTests {
        @Test(.enabled(if: SwarmInteropTests.haveLibtorrent, "python3-libtorrent is not installed"))
        func downloadKilledWithSIGKILLIsTrustedForWhatItHadOnDiskSecondsBefore() throws {
            try SwarmInteropTests.requireLibtorrent()
            let dir = try TemporaryDirectory()
            defer { dir.remove() }
            try dir.write("seed/big.bin", pseudoRandomBytes(count: 40_000_000, seed: 51))
            let torrent = dir.file("big.torrent")
            try RillBinary.run(["create", dir.file("seed/big.bin"), "-o", torrent, "--piece-size", "64k"])
            let (seeder, port) = try SwarmInteropTests.startLibtorrentSeeder(torrent: torrent, dir: dir.file("seed"),
                                                                             host: "127.0.0.2")
            defer { seeder.stop() }
            let env = ["RILL_HOME": dir.file("home")]
            let leech = dir.file("leech")
            func check(_ flags: [String]) throws -> CheckReport {
                let output = try ExternalTool.run(RillBinary.path, ["check", torrent, "--dir", leech, "--json"] + flags,
                                                  environment: env)
                return try JSONDecoder().decode(CheckReport.self, from: Data(output.stdout.utf8))
            }

            // Slowed to 2 MB/s so it is mid-way when killed.
            let download = try BackgroundProcess(RillBinary.path, [
                "download", torrent, "--dir", leech, "--port", "0", "--no-dht", "--no-lsd", "--listen", "127.0.0.1",
                "--peer", "127.0.0.2:\(port)", "--no-trackers", "--max-down", "2M",
            ], environment: env)
            #expect(download.waitForLine(matching: "first payload byte", timeout: 60) != nil, "\(download.printed)")
            usleep(3_000_000)
            // What is on disk and good now, read without touching resume data; the kill comes a
            // few seconds later, time enough for those pieces to be flushed and journaled.
            let early = try check(["--no-resume"]).good
            usleep(4_000_000)
            download.stop(signal: SIGKILL)
            #expect(!download.isRunning)
            #expect(!download.printed.contains("resume data is saved"), "it had no chance to save")

            let resumed = try check(["--use-resume"])
            #expect(resumed.from_resume, "the snapshot and journal were trusted without hashing")
            #expect(resumed.recovered == true)
            #expect(early.count >= 16, "the download was under way: \(early.count) pieces")
            #expect(early.isSubset(of: resumed.good),
                    "pieces on disk 4 s before the kill are trusted: missing \(early.subtracting(resumed.good).sorted())")
            #expect(resumed.valid < resumed.total, "killed mid-way: \(resumed.valid)/\(resumed.total)")

            // Every trusted piece is really there: a full hash agrees.
            let hashed = try check(["--no-resume"])
            #expect(!hashed.from_resume)
            #expect(resumed.good.isSubset(of: hashed.good),
                    "trusted but bad: \(resumed.good.subtracting(hashed.good).sorted())")
            print("killed download: \(early.count) pieces good 4 s before the kill, \(resumed.valid) trusted, "
                + "\(hashed.valid) on disk, of \(hashed.total)")
        }
    }

    /// A lying peer cannot spoil a download: rill checks every piece and refetches bad ones.
    @Suite(.serialized) struct BadDataInteropTests {
        @Test(.enabled(if: SwarmInteropTests.haveLibtorrent, "python3-libtorrent is not installed"))
        func rillFinishesWithCorrectDataWhenOneOfTwoPeersSendsCorruptBlocks() throws {
            try SwarmInteropTests.requireLibtorrent()
            let dir = try TemporaryDirectory()
            defer { dir.remove() }
            let original = pseudoRandomBytes(count: 4_000_000, seed: 61)
            try dir.write("seed/data.bin", original)
            try dir.write("liar/data.bin", original)
            let torrent = dir.file("data.torrent")
            try RillBinary.run(["create", dir.file("seed/data.bin"), "-o", torrent, "--piece-size", "64k"])

            // The liar: a rill seeder whose resume data vouches for the good bytes, which are then
            // corrupted behind its back (size and modification time kept, so it still trusts them).
            let liarHome = ["RILL_HOME": dir.file("liar-home")]
            let checked = try ExternalTool.run(RillBinary.path, ["check", torrent, "--dir", dir.file("liar")], environment: liarHome)
            try #require(checked.status == 0)
            try corruptKeepingModificationTime(dir.file("liar/data.bin"), every: 48 * 1024)

            let (honest, honestPort) = try SwarmInteropTests.startLibtorrentSeeder(torrent: torrent, dir: dir.file("seed"),
                                                                                   host: "127.0.0.2")
            defer { honest.stop() }
            let liar = try BackgroundProcess(RillBinary.path, ["seed", torrent, "--dir", dir.file("liar"), "--port", "0", "--no-dht", "--no-lsd",
                                                               "--listen", "127.0.0.3", "--no-trackers"],
                                             environment: liarHome)
            defer { liar.stop() }
            let liarPort = try #require(liar.waitForLine(matching: "listening on port ([0-9]+)", timeout: 60))
            #expect(!liar.printed.contains("checking"), "the liar trusted its resume data")

            let download = try ExternalTool.run(RillBinary.path, [
                "download", torrent, "--dir", dir.file("leech"), "--port", "0", "--no-dht", "--no-lsd", "--listen", "127.0.0.1",
                "--peer", "127.0.0.3:\(liarPort)", "--peer", "127.0.0.2:\(honestPort)", "--no-trackers",
            ], environment: ["RILL_HOME": dir.file("home")], timeout: 120)
            #expect(download.status == 0, "\(download.stderr)")
            #expect(FileManager.default.contents(atPath: dir.file("leech/data.bin")) == Data(original))
            #expect(download.stderr.contains("failed its hash check"), "the liar's data was received and caught")
        }

        private func corruptKeepingModificationTime(_ path: String, every stride: Int) throws {
            var before = stat()
            try #require(stat(path, &before) == 0)
            let handle = try FileHandle(forUpdating: URL(fileURLWithPath: path))
            var offset = 0
            while offset < Int(before.st_size) {
                try handle.seek(toOffset: UInt64(offset))
                try handle.write(contentsOf: Data([0xA5, 0x5A]))
                offset += stride
            }
            try handle.close()
            var times = [before.st_atim, before.st_mtim]
            try #require(utimensat(AT_FDCWD, path, &times, 0) == 0)
        }
    }
}
