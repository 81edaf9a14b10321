import Foundation
import Testing
import TestSupport

extension Interop {
    /// `rill download --proxy` takes the proxy (and its password) from the command line: the only
    /// peer, a scripted seeder, sees every connection come from the proxy's own address.
    @Suite(.timeLimit(.minutes(3))) struct ProxyInteropTests {
        /// Runs rill to the end without blocking a thread; the merged output and exit status.
        private func rill(_ arguments: [String], home: String, timeout: Duration = .seconds(120))
            async throws -> (printed: String, status: Int32?) {
            let process = try BackgroundProcess(RillBinary.path, arguments, environment: ["RILL_HOME": home])
            let clock = ContinuousClock()
            let deadline = clock.now + timeout
            while process.isRunning, clock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
            return (process.printed, process.isRunning ? nil : process.waitForExit(timeout: 1))
        }

        @Test func downloadGoesThroughTheProxyGivenOnTheCommandLine() async throws {
            let started = try await SOCKS5ProxyServer.startedOrSkipped(username: "bob", password: "s3cret")
            guard let proxy = started else { return }
            defer { proxy.stop() }
            let dir = try TemporaryDirectory()
            defer { dir.remove() }
            let payload = try dir.write("seed/payload.bin", pseudoRandomBytes(count: 700_000, seed: 7))
            let torrent = dir.file("payload.torrent")
            let created = try await rill(["create", payload, "-o", torrent, "--no-date", "--piece-size", "32k"],
                                         home: dir.file("home"))
            try #require(created.status == 0, "rill create: \(created.printed)")
            let info = try await rill(["info", "--json", torrent], home: dir.file("home"))
            let parsed = try JSONDecoder().decode(RillInfo.self, from: Data(info.printed.utf8))
            guard let seeder = try await ScriptServer.startedOrSkipped({
                try await ScriptedPeer.start(host: "127.0.0.2", infoHashHex: parsed.info_hash,
                                             pieceLength: try #require(parsed.piece_length), data: [payload])
            }) else { return }
            defer { seeder.stop() }

            let download = try await rill([
                "download", torrent, "--dir", dir.file("leech"), "--peer", seeder.address, "--listen", "127.0.0.5",
                "--no-trackers", "--no-dht", "--no-lsd", "--encryption", "disabled", "--proxy", proxy.url, "--verbose",
            ], home: dir.file("home"))
            #expect(download.status == 0, "rill download: \(download.printed.suffix(2000))")
            let copy = FileManager.default.contents(atPath: dir.file("leech/payload.bin"))
            #expect(copy == FileManager.default.contents(atPath: payload))
            #expect(proxy.connections.contains(seeder.address), "the proxy made: \(proxy.connections)")
            let sources = seeder.server.lines.filter { $0.hasPrefix("peer ") }.map { $0.dropFirst("peer ".count) }
            #expect(!sources.isEmpty && sources.allSatisfy { $0 == SOCKS5ProxyServer.outgoingAddress },
                    "connections at the seeder came from \(sources)")
        }

        @Test func aBadProxyOptionIsRefusedWithTheReason() async throws {
            let dir = try TemporaryDirectory()
            defer { dir.remove() }
            let result = try await rill(["download", "x.torrent", "--dir", dir.path, "--proxy", "http://127.0.0.1:8080"],
                                        home: dir.file("home"))
            #expect(result.status != 0 && result.status != nil)
            #expect(result.printed.contains("--proxy: only socks5:// proxies are supported, not http://"),
                    "\(result.printed)")
        }
    }
}
