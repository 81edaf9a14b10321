import Foundation
import Testing
import TestSupport

extension Interop {
    /// The Python `transmission-rpc` client against `rill daemon`, and the same transmission-remote
    /// session against `transmission-daemon` and `rill daemon` side by side.
    @Suite(.serialized) struct DaemonClientsInteropTests {
        static let haveRemote = ExternalTool.toolsRequired || Remote.binary != nil
        static let haveBoth = ExternalTool.toolsRequired
            || (Remote.binary != nil && TransmissionDaemonProcess.binary != nil)

        /// A virtual environment with `transmission-rpc`, made once per machine (pip's index or
        /// its configured wheel folder is the only thing it reaches).
        static func pythonWithTransmissionRPC() throws -> String {
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rill-test-venv").path
            let python = folder + "/bin/python"
            if (try? ExternalTool.run(python, ["-c", "import transmission_rpc"], timeout: 60).status) == 0 { return python }
            let venv = try ExternalTool.run("/usr/bin/python3", ["-m", "venv", "--clear", folder], timeout: 120)
            guard venv.status == 0 else { throw ToolFailure("python3 -m venv failed: \(venv.stderr)") }
            let pip = try ExternalTool.run(folder + "/bin/pip", ["install", "-q", "transmission-rpc"], timeout: 300)
            guard pip.status == 0 else { throw ToolFailure("pip install transmission-rpc failed: \(pip.stderr)") }
            return python
        }

        @Test(.enabled(if: haveRemote, "transmission-cli is not installed"))
        func thePythonClientReadsAndChangesTheSameTorrents() throws {
            let python = try Self.pythonWithTransmissionRPC()
            let dir = try TemporaryDirectory()
            defer { dir.remove() }
            let torrent = try DaemonInteropTests.makeAlbum(dir)
            let daemon = try RillDaemonProcess(home: dir.file("home"), downloads: dir.file("downloads"))
            defer { daemon.stop() }
            _ = try Remote.ok(daemon.address, ["-a", torrent, "-w", dir.file("data")])
            _ = try Remote.waitForList(daemon.address) { $0.contains("100%") }

            let script = """
                import sys, time, json
                from transmission_rpc import Client
                c = Client(host="127.0.0.1", port=int(sys.argv[1]), timeout=10)
                print("rpc", c.get_session().rpc_version)
                t = c.get_torrents()[0]
                print("torrent", t.name, t.hash_string, t.status, round(t.percent_done, 3), t.total_size,
                      len(t.get_files()))
                c.change_torrent(t.id, labels=["sonarr"])
                c.stop_torrent(t.id)
                for _ in range(100):
                    t = c.get_torrent(t.id)
                    if t.status == "stopped": break
                    time.sleep(0.1)
                print("after", t.status, t.labels)
                """
            let output = try ExternalTool.run(python, ["-c", script, String(daemon.rpcPort)], timeout: 120)
            #expect(output.status == 0, "\(output.stderr)")
            let hash = try RillBinary.info(torrent).info_hash
            #expect(output.stdout.contains("rpc 17"), "\(output.stdout)")
            #expect(output.stdout.contains("torrent album \(hash) seeding 1.0 2200012 2"), "\(output.stdout)")
            #expect(output.stdout.contains("after stopped ['sonarr']"), "\(output.stdout)")
            // transmission-remote sees what the Python client changed.
            #expect(try Remote.info(daemon.address, torrent: "1")["Labels"] == "sonarr")
        }

        /// The facts a user reads from `-i`, which must agree between the two daemons.
        static let comparedFacts = ["Name", "Hash", "Percent Done", "Total size", "Have", "Labels", "Location",
                                    "Piece Count", "Piece Size", "Public torrent"]

        /// Runs one transmission-remote session and returns what it showed after each step.
        static func session(_ address: String, torrent: String, data: String) throws -> [String] {
            var seen: [String] = []
            func state() throws -> String {
                try Remote.info(address, torrent: "1")["State"] ?? "?"
            }
            func facts() throws -> String {
                let info = try Remote.info(address, torrent: "1")
                return comparedFacts.map { "\($0)=\(info[$0] ?? "-")" }.joined(separator: "; ")
            }
            _ = try Remote.ok(address, ["-a", torrent, "-w", data])
            _ = try Remote.waitForList(address) { $0.contains("100%") }
            seen.append("added: " + (try facts()))
            _ = try Remote.ok(address, ["-t", "1", "-S"])
            _ = try Remote.waitForList(address) { $0.contains("Stopped") }
            seen.append("stopped: \(try state())")
            _ = try Remote.ok(address, ["-t", "1", "-L", "movies"])
            _ = try Remote.ok(address, ["-t", "1", "-s"])
            _ = try Remote.waitForList(address) { !$0.contains("Stopped") }
            seen.append("started: " + (try facts()))
            let files = try Remote.ok(address, ["-t", "1", "-f"]).split(separator: "\n").dropFirst(2)
                .map { $0.split(separator: " ", omittingEmptySubsequences: true).dropFirst().joined(separator: " ") }
            seen.append("files: \(files)")
            _ = try Remote.ok(address, ["-t", "1", "-G", "1"])
            let unwanted = try Remote.ok(address, ["-t", "1", "-f"]).split(separator: "\n").dropFirst(2)
                .map { $0.contains(" No ") ? "no" : "yes" }
            seen.append("after -G 1: \(unwanted)")
            _ = try Remote.ok(address, ["-t", "1", "-r"])
            _ = try Remote.waitForList(address) { !$0.contains("album") }
            seen.append("removed")
            return seen
        }

        @Test(.enabled(if: haveBoth, "transmission-cli or transmission-daemon is not installed"))
        func theSameTransmissionRemoteSessionGivesTheSameStatesOnBothDaemons() throws {
            let dir = try TemporaryDirectory()
            defer { dir.remove() }
            let torrent = try DaemonInteropTests.makeAlbum(dir)
            let transmission = try TransmissionDaemonProcess(config: dir.file("tr-config"), downloads: dir.file("tr-downloads"))
            defer { transmission.stop() }
            let expected = try Self.session(transmission.address, torrent: torrent, data: dir.file("data"))
            transmission.stop()

            let rill = try RillDaemonProcess(home: dir.file("home"), downloads: dir.file("downloads"))
            defer { rill.stop() }
            let actual = try Self.session(rill.address, torrent: torrent, data: dir.file("data"))
            #expect(actual == expected)
            for (index, pair) in zip(expected, actual).enumerated() where pair.0 != pair.1 {
                Issue.record("step \(index): transmission-daemon showed\n  \(pair.0)\nrill daemon showed\n  \(pair.1)")
            }
        }
    }
}
