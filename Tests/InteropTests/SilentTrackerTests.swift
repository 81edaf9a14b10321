import Foundation
import Testing
import TestSupport

extension Interop {
    /// SIGTERM while announces to trackers that never answer are pending: rill exits promptly
    /// and cleanly, with no event-loop complaint (a scheduled task on a stopped loop is a crash
    /// in later SwiftNIO versions).
    @Suite(.serialized) struct SilentTrackerTests {
        /// Python listeners on 127.0.0.5 that take HTTP connections and UDP datagrams and never reply.
        static let silentServer = """
            import socket, sys, time
            tcp = socket.socket(); tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            tcp.bind(("127.0.0.5", 0)); tcp.listen(16)
            udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); udp.bind(("127.0.0.5", 0))
            print("ready", tcp.getsockname()[1], udp.getsockname()[1], flush=True)
            held = []
            tcp.settimeout(0.2); udp.settimeout(0.2)
            deadline = time.time() + 120
            while time.time() < deadline:
                try: held.append(tcp.accept()[0])
                except OSError: pass
                try: udp.recvfrom(2048)
                except OSError: pass
            """

        // The old shutdown order printed the warning in about one run of four: try several moments.
        @Test(arguments: 1...8)
        func sigtermDuringPendingTrackerExchangesExitsCleanly(run: Int) throws {
            let dir = try TemporaryDirectory()
            defer { dir.remove() }
            let server = try BackgroundProcess("/usr/bin/python3", ["-c", Self.silentServer])
            defer { server.stop(signal: SIGKILL) }
            let ports = try #require(server.waitForLine(matching: "ready ([0-9]+ [0-9]+)", timeout: 20))
                .split(separator: " ")
            try dir.write("seed/quiet.bin", pseudoRandomBytes(count: 100_000, seed: 71))
            let torrent = dir.file("quiet.torrent")
            try RillBinary.run(["create", dir.file("seed/quiet.bin"), "-o", torrent, "--no-date",
                                "--tracker", "udp://127.0.0.5:\(ports[1])/announce",
                                "--tracker", "http://127.0.0.5:\(ports[0])/announce"])
            let rill = try BackgroundProcess(RillBinary.path, [
                "download", torrent, "--dir", dir.file("leech"), "--port", "0", "--no-dht", "--no-lsd",
                "--listen", "127.0.0.1", "--verbose",
            ], environment: ["RILL_HOME": dir.file("home")])
            _ = try #require(rill.waitForLine(matching: "listening on port ([0-9]+)", timeout: 60), "\(rill.printed)")
            Thread.sleep(forTimeInterval: 0.5 + 0.25 * Double(run))  // the announce is under way
            let started = Date()
            let status = rill.stop(signal: SIGTERM, timeout: 20)
            #expect(status == 130, "an interrupted download exits 130: \(rill.printed.suffix(2000))")
            #expect(Date().timeIntervalSince(started) < 10, "it does not wait out the trackers' timeouts")
            #expect(!rill.printed.contains("Cannot schedule tasks"), "\(rill.printed.suffix(2000))")
            #expect(!rill.printed.contains("EventLoop"), "\(rill.printed.suffix(2000))")
        }
    }
}
