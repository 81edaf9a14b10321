import Foundation
import Testing
import TestSupport

extension Interop {
    /// The headless commands as a user meets them: output, exit status, and one-sentence errors.
    @Suite struct CommandLineTests {
        @Test func createThenCheckThenCheckAgainFromResumeData() throws {
            let dir = try TemporaryDirectory()
            defer { dir.remove() }
            let payload = try TorrentAgreementTests.makePayload(in: dir)
            let torrent = dir.file("p.torrent")
            let home = dir.file("home")
            let env = ["RILL_HOME": home]

            let created = try RillBinary.run(["create", payload, "-o", torrent, "--no-date", "--piece-size", "32k"])
            try #require(created.status == 0, "\(created.stderr)")

            let first = try ExternalTool.run(RillBinary.path, ["check", torrent, "--dir", dir.path, "--json"], environment: env)
            #expect(first.status == 0)
            #expect(first.stdout.contains("\"from_resume\" : false"))
            #expect(FileManager.default.fileExists(atPath: home + "/resume"), "a check leaves resume data")

            let trusted = try ExternalTool.run(RillBinary.path, ["check", torrent, "--dir", dir.path, "--use-resume", "--json"], environment: env)
            #expect(trusted.status == 0)
            #expect(trusted.stdout.contains("\"from_resume\" : true"))

            // Changing a file (same size, new bytes and mtime) must make rill distrust the resume data.
            try dir.write("payload/nested/c.txt", Array("one byte short of nothinG\n".utf8))
            let distrusted = try ExternalTool.run(RillBinary.path, ["check", torrent, "--dir", dir.path, "--use-resume", "--json"], environment: env)
            #expect(distrusted.status == 2)
            #expect(distrusted.stdout.contains("\"from_resume\" : false"))
            #expect(distrusted.stdout.contains("payload/nested/c.txt"))
        }

        @Test func sameDataGivesTheSameTorrentWithoutADate() throws {
            let dir = try TemporaryDirectory()
            defer { dir.remove() }
            let payload = try TorrentAgreementTests.makePayload(in: dir)
            try RillBinary.run(["create", payload, "-o", dir.file("1.torrent"), "--no-date", "--threads", "1"])
            try RillBinary.run(["create", payload, "-o", dir.file("2.torrent"), "--no-date", "--threads", "2"])
            let one = try Data(contentsOf: URL(fileURLWithPath: dir.file("1.torrent")))
            let two = try Data(contentsOf: URL(fileURLWithPath: dir.file("2.torrent")))
            #expect(one == two)
            #expect(!one.isEmpty)
        }

        @Test func infoReadsMagnetLinks() throws {
            let output = try RillBinary.run(["info", "magnet:?xt=urn:btih:c9e15763f722f23e98a29decdfae341b98d53056&dn=Sintel&tr=udp%3A%2F%2F127.0.0.1%3A9"])
            #expect(output.status == 0)
            #expect(output.stdout.contains("Sintel"))
            #expect(output.stdout.contains("c9e15763f722f23e98a29decdfae341b98d53056"))
            #expect(output.stdout.contains("udp://127.0.0.1:9"))
        }

        /// Each bad input gives exactly one line on standard error, exit status 1, and no stack trace.
        @Test(arguments: [
            (["info", "/no/such/file.torrent"], "cannot open torrent file '/no/such/file.torrent': No such file or directory"),
            (["info", "CORRUPT"], "is not a valid torrent: not a torrent file (invalid bencode at byte 11: found 'X'"),
            (["info", "EVIL"], "is unsafe: it has a '..' component"),
            (["info", "magnet:?xt=urn:btih:123"], "is not 40 hex or 32 base32 characters"),
            (["check", "CORRUPT", "--dir", "/tmp"], "is not a valid torrent"),
            (["check", "GOOD", "--dir", "/no/such/folder"], "the download folder '/no/such/folder' does not exist"),
            (["create", "/no/such/folder"], "/no/such/folder"),
            (["create", "EMPTYDIR"], "holds no data to share"),
            (["create", "PAYLOAD", "-o", "/proc/forbidden/x.torrent"], "cannot write '/proc/forbidden/x.torrent'"),
        ])
        func badInputGivesOneClearSentence(arguments: [String], expected: String) throws {
            let dir = try TemporaryDirectory()
            defer { dir.remove() }
            try dir.write("corrupt.torrent", Array("d8:announceXXXX".utf8))
            try dir.write("evil.torrent", Array("d4:infod5:filesld6:lengthi1e4:pathl2:..6:passwdeee4:name1:x12:piece lengthi16384e6:pieces20:AAAAAAAAAAAAAAAAAAAAee".utf8))
            try FileManager.default.createDirectory(atPath: dir.file("emptydir"), withIntermediateDirectories: true)
            try dir.write("payload/a.bin", [1, 2, 3])
            let good = try RillBinary.run(["create", dir.file("payload"), "-o", dir.file("good.torrent")])
            try #require(good.status == 0)

            let substituted = arguments.map { argument -> String in
                switch argument {
                case "CORRUPT": return dir.file("corrupt.torrent")
                case "EVIL": return dir.file("evil.torrent")
                case "GOOD": return dir.file("good.torrent")
                case "EMPTYDIR": return dir.file("emptydir")
                case "PAYLOAD": return dir.file("payload")
                default: return argument
                }
            }
            let output = try RillBinary.run(substituted, currentDirectory: dir.path)
            #expect(output.status == 1)
            let lines = output.stderr.split(separator: "\n")
            #expect(lines.count == 1, "one line, got: \(output.stderr)")
            #expect(output.stderr.hasPrefix("rill: "))
            #expect(output.stderr.contains(expected), "stderr: \(output.stderr)")
            #expect(!output.stderr.contains("Fatal error") && !output.stderr.contains("Stack dump"))
        }

        @Test func helpExplainsEveryCommand() throws {
            let help = try RillBinary.run(["--help"])
            #expect(help.status == 0)
            for command in ["info", "create", "check"] {
                #expect(help.stdout.contains(command))
                let sub = try RillBinary.run([command, "--help"])
                #expect(sub.status == 0)
                #expect(sub.stdout.contains("USAGE"))
            }
        }
    }
}
