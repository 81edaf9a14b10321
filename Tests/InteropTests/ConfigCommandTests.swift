import Foundation
import Testing
import TestSupport

extension Interop {
    /// `rill config`: effective settings, where each came from, and problems with their lines.
    @Suite struct ConfigCommandTests {
        @Test func withoutAFileEverySettingIsTheDefault() throws {
            let dir = try TemporaryDirectory()
            defer { dir.remove() }
            let output = try ExternalTool.run(RillBinary.path, ["config"], environment: ["RILL_HOME": dir.path])
            #expect(output.status == 0)
            #expect(output.stdout.contains("not present: all defaults"))
            #expect(output.stdout.contains("listen_port"))
            #expect(!output.stdout.contains(dir.path + "/config.toml:"), "no value comes from a file")
            #expect(output.stderr.isEmpty)
        }

        @Test func fileValuesWinAndProblemsNameTheirLineAndKeepTheDefault() throws {
            let dir = try TemporaryDirectory()
            defer { dir.remove() }
            let file = try dir.write("config.toml", Array("""
                # my settings
                listen_port = 7001
                upload_limit = "500k"
                colour = "blue"
                max_active_downloads = -2

                [dht]
                enabled = false
                port = "many"
                """.utf8))
            let output = try ExternalTool.run(RillBinary.path, ["config"], environment: ["RILL_HOME": dir.path])
            #expect(output.status == 0, "a bad config never stops rill")
            let lines = output.stdout.split(separator: "\n").map(String.init)
            func line(_ key: String) -> String { lines.first { $0.hasPrefix(key + " ") } ?? "" }
            #expect(line("listen_port").contains("= 7001") && line("listen_port").contains("\(file):2"))
            #expect(line("upload_limit").contains("500 KiB/s") && line("upload_limit").contains("\(file):3"))
            #expect(line("dht.enabled").contains("= false") && line("dht.enabled").contains("\(file):8"))
            #expect(line("max_active_downloads").contains("= 5") && line("max_active_downloads").contains("default"))
            #expect(line("dht.port").contains("default"))
            #expect(output.stderr.contains("\(file):4: unknown key 'colour'"))
            #expect(output.stderr.contains("\(file):5: bad value for 'max_active_downloads'"))
            #expect(output.stderr.contains("\(file):9: bad value for 'dht.port'"))
        }

        @Test func connectionAndMemoryBoundsCanBeSetAndAreChecked() throws {
            let dir = try TemporaryDirectory()
            defer { dir.remove() }
            let file = try dir.write("config.toml", Array("max_connections_per_ip = 3\npiece_buffer_mb = 2\n".utf8))
            let output = try ExternalTool.run(RillBinary.path, ["config"], environment: ["RILL_HOME": dir.path])
            #expect(output.status == 0)
            let lines = output.stdout.split(separator: "\n").map(String.init)
            func line(_ key: String) -> String { lines.first { $0.hasPrefix(key + " ") } ?? "" }
            #expect(line("max_connections_per_ip").contains("= 3") && line("max_connections_per_ip").contains("\(file):1"))
            #expect(line("piece_buffer_mb").contains("= 64") && line("piece_buffer_mb").contains("default"),
                    "2 MiB is below the 4 MiB floor: the default stays")
            #expect(output.stderr.contains("\(file):2: bad value for 'piece_buffer_mb'"), "\(output.stderr)")
        }

        @Test func aProxyIsShownWithoutItsPasswordAndBadOnesAreExplained() throws {
            let dir = try TemporaryDirectory()
            defer { dir.remove() }
            let good = try dir.write("config.toml", Array("proxy = \"socks5://bob:secret@127.0.0.1:1080\"\n".utf8))
            let output = try ExternalTool.run(RillBinary.path, ["config"], environment: ["RILL_HOME": dir.path])
            let line = output.stdout.split(separator: "\n").first { $0.hasPrefix("proxy ") }.map(String.init) ?? ""
            #expect(line.contains("socks5://bob:***@127.0.0.1:1080") && line.contains("\(good):1"), "\(output.stdout)")
            #expect(!output.stdout.contains("secret"), "the password is never printed")

            _ = try dir.write("config.toml", Array("proxy = \"http://127.0.0.1:8080\"\n".utf8))
            let bad = try ExternalTool.run(RillBinary.path, ["config"], environment: ["RILL_HOME": dir.path])
            #expect(bad.status == 0)
            #expect(bad.stderr.contains(":1: bad value for 'proxy'"), "\(bad.stderr)")
            #expect(bad.stderr.contains("only socks5:// proxies are supported"), "\(bad.stderr)")
        }

        @Test func aFileThatDoesNotParseFallsBackToTheDefaults() throws {
            let dir = try TemporaryDirectory()
            defer { dir.remove() }
            let file = try dir.write("config.toml", Array("listen_port = 7001\nupload_limit = \n".utf8))
            let output = try ExternalTool.run(RillBinary.path, ["config"], environment: ["RILL_HOME": dir.path])
            #expect(output.status == 0)
            #expect(output.stderr.contains("\(file):2:"))
            #expect(output.stderr.contains("using the defaults"))
            #expect(output.stdout.contains("listen_port                 = 6881"))
        }
    }
}
