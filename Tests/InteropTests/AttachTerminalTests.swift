import Foundation
import Testing
import TestSupport


extension Interop {
    /// The full-screen client attached to a Transmission-RPC server in a real terminal (tmux):
    /// it shows the server's torrents, names the server in the status bar, and `q` only detaches.
    @Suite struct AttachTerminalTests {
        static let haveTools = ExternalTool.toolsRequired
            || (ExternalTool.find("tmux") != nil && TransmissionDaemonProcess.binary != nil
                && ExternalTool.find("transmission-create") != nil && ExternalTool.find("transmission-remote") != nil)

        typealias Tmux = DemoTerminalTests.Tmux

        /// A transmission-daemon seeding one torrent whose data is present.
        static func seedingDaemon() throws -> TransmissionDaemonProcess {
            let binary = try #require(TransmissionDaemonProcess.binary, "transmission-daemon is required")
            let daemon = try TransmissionDaemonProcess(binary: binary)
            let torrent = try SeedableTorrent.make("attached-sample.bin", size: 800_000, seed: 3, in: daemon.downloadFolder,
                                                   torrentFolder: daemon.directory.path)
            let added = try daemon.remote(["-a", torrent, "-w", daemon.downloadFolder])
            #expect(added.status == 0, "transmission-remote -a: \(added.stderr)")
            return daemon
        }

        /// Runs rill in tmux with `arguments`, waits for the daemon's torrent, quits with q, and
        /// checks the exit status and that the daemon still lists its torrent.
        static func attachShowDetach(home: String, arguments: String, status: String, engine: String,
                                     list: () throws -> ExternalTool.Output) throws {
            let binary = try #require(ExternalTool.find("tmux"), "tmux is required")
            let tmux = Tmux(binary: binary)
            defer { tmux.kill() }
            let command = "env RILL_HOME='\(home)' LANG=C.UTF-8 '\(RillBinary.path)' \(arguments); "
                + "echo \"exit=$?\" > '\(status)'; sleep 30"
            try tmux.start(width: 120, height: 40, command: command)
            let screen = try tmux.waitForScreen(30, "the daemon's torrent and '\(engine)' in the status bar") {
                $0.contains("attached-sample.bin") && $0.contains("\(engine)  ↓")
            }
            #expect(screen.contains("Torrents"))
            // The Files pane fills from the server's detail fields.
            try tmux.keys("2")
            _ = try tmux.waitForScreen(10, "the Files pane with the file") { $0.contains("normal") }
            try tmux.keys("q")
            let deadline = Date().addingTimeInterval(20)
            while !FileManager.default.fileExists(atPath: status), Date() < deadline { Thread.sleep(forTimeInterval: 0.2) }
            let exit = (try? String(contentsOfFile: status, encoding: .utf8)) ?? "none"
            #expect(exit.trimmingCharacters(in: .whitespacesAndNewlines) == "exit=0", "q detaches without asking")
            let listed = try list()
            #expect(listed.status == 0 && listed.stdout.contains("attached-sample.bin"), "the daemon runs on")
        }

        @Test(.enabled(if: haveTools, "tmux or transmission-daemon is not installed"), .timeLimit(.minutes(2)))
        func connectAttachesToTransmissionDaemonAndQuitOnlyDetaches() throws {
            let daemon = try Self.seedingDaemon()
            defer { daemon.stop() }
            let dir = try TemporaryDirectory()
            defer { dir.remove() }
            try Self.attachShowDetach(home: dir.file("home"),
                                      arguments: "--connect 'http://127.0.0.1:\(daemon.rpcPort)'",
                                      status: dir.file("status"), engine: "transmission 3.00 @ 127.0.0.1:\(daemon.rpcPort)",
                                      list: { try daemon.remote(["-l"]) })
            #expect(!FileManager.default.fileExists(atPath: dir.file("home/resume")), "no local session was opened")
        }

        @Test(.enabled(if: haveTools, "tmux or transmission-daemon is not installed"), .timeLimit(.minutes(2)))
        func plainRillAttachesToTheDaemonAnnouncedInItsHome() throws {
            let daemon = try Self.seedingDaemon()
            defer { daemon.stop() }
            let dir = try TemporaryDirectory()
            defer { dir.remove() }
            let url = "http://127.0.0.1:\(daemon.rpcPort)/transmission/rpc"
            let announcement = #"{"pid": \#(daemon.processIdentifier), "url": "\#(url)"}"#
            _ = try dir.write("home/daemon.json", Array(announcement.utf8))
            try Self.attachShowDetach(home: dir.file("home"), arguments: "", status: dir.file("status"),
                                      engine: "transmission 3.00 @ 127.0.0.1:\(daemon.rpcPort)",
                                      list: { try daemon.remote(["-l"]) })
        }

        @Test(.enabled(if: haveTools, "tmux or transmission-cli is not installed"), .timeLimit(.minutes(3)))
        func plainRillAttachesToRillDaemonAndQuitLeavesItRunning() throws {
            let remote = try #require(ExternalTool.find("transmission-remote"), "transmission-remote is required")
            let dir = try TemporaryDirectory()
            defer { dir.remove() }
            let downloads = dir.file("downloads")
            let torrent = try SeedableTorrent.make("attached-sample.bin", size: 800_000, seed: 4, in: downloads,
                                                   torrentFolder: dir.path)

            let daemon = try BackgroundProcess(RillBinary.path, [
                "daemon", "--dir", downloads, "--port", "0", "--listen", "127.0.0.1", "--rpc-port", "0",
                "--no-dht", "--no-lsd",
            ], environment: ["RILL_HOME": dir.file("home")])
            defer { daemon.stop() }
            let url = try #require(daemon.waitForLine(matching: "RPC at (http://127\\.0\\.0\\.1:[0-9]+)", timeout: 30),
                                   "the daemon never said it was ready: \(daemon.printed)")
            let place = String(url.dropFirst("http://".count))
            let added = try ExternalTool.run(remote, [place, "-a", torrent, "-w", downloads], timeout: 30)
            #expect(added.status == 0, "transmission-remote -a: \(added.stdout) \(added.stderr)")

            try Self.attachShowDetach(home: dir.file("home"), arguments: "", status: dir.file("status"),
                                      engine: "daemon \(place)",
                                      list: { try ExternalTool.run(remote, [place, "-l"], timeout: 30) })
            #expect(daemon.isRunning, "q in the attached client leaves the daemon running")
            #expect(daemon.stop() == 0, "the daemon stops cleanly on SIGTERM")
        }
    }
}
