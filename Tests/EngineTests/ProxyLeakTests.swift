import Engine
import EngineAPI
import Foundation
import Testing
import TestSupport
import TorrentCore

/// With a SOCKS5 proxy that wants a username and password, everything the session reaches — an
/// HTTP tracker, a UDP tracker, a DHT bootstrap node, a web seed and a peer — is reached through
/// it. The proof is on the far side: the proxy sends from its own address (127.0.0.9), and every
/// server records where each request came from; the leecher lives on 127.0.0.5, so anything that
/// went around the proxy would show up with another source. (`.blockingAllowed`: the test
/// servers are stopped with a short blocking wait.)
@Suite(.serialized, .timeLimit(.minutes(3)), .blockingAllowed) struct ProxyLeakTests {
    private static let proxied = SOCKS5ProxyServer.outgoingAddress

    @Test func nothingBypassesAProxyWithAPassword() async throws {
        let started = try await SOCKS5ProxyServer.startedOrSkipped(username: "bob", password: "s3cret")
        guard let proxy = started else { return }
        defer { proxy.stop() }
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let seeder = try await SwarmFixture.session(host: "127.0.0.2")
        let seedEndpoint = await SwarmFixture.endpoint(of: seeder, host: "127.0.0.2")
        let trackerStarted = try await ScriptServer.startedOrSkipped {
            try await RecordingTracker.start(peers: ["\(seedEndpoint)"])
        }
        guard let tracker = trackerStarted else { return }
        defer { tracker.stop() }
        let webSeedStarted = try await ScriptServer.startedOrSkipped { try await WebSeedServer.start(root: dir.file("seed")) }
        guard let webSeed = webSeedStarted else { return }
        defer { webSeed.stop() }

        // One torrent announced over HTTP with a web seed, one over UDP: a round asks one tier only.
        let overHTTP = try SwarmFixture.makeTorrent(in: dir, name: "http", files: [("a.bin", 700_000)])
        let overUDP = try SwarmFixture.makeTorrent(in: dir, name: "udp", files: [("b.bin", 700_000)])
        let torrents = [
            Metainfo(info: overHTTP.info, trackerTiers: [[tracker.httpAnnounceURL]], webSeeds: [webSeed.url]),
            Metainfo(info: overUDP.info, trackerTiers: [[tracker.udpAnnounceURL]]),
        ]
        for meta in torrents { _ = try await seeder.add(meta, downloadDirectory: dir.file("seed")) }

        let leecher = try await SwarmFixture.session(host: "127.0.0.5") {
            $0.proxy = try? SOCKS5Proxy(url: proxy.url)
            $0.useTrackers = true
            $0.dht.enabled = true
            $0.dht.bootstrapNodes = [tracker.udpEndpoint]
            // Slow enough for the seeder's peer list to show the connections.
            $0.downloadRateLimit = 300 * 1024
        }
        var hashes: [InfoHash] = []
        for meta in torrents { hashes.append(try await leecher.add(meta, downloadDirectory: dir.file("leech"))) }

        var seenAtSeeder: Set<String> = []
        let ids = hashes.map { TorrentID(hex: $0.hex) }
        let clock = ContinuousClock()
        let deadline = clock.now + .seconds(90)
        while clock.now < deadline {
            for id in ids {
                // Web seed rows (the seeder uses the web seed too) show a URL, not a peer.
                for peer in seeder.snapshot(detail: id).detail?.peers ?? [] where !peer.address.contains("://") {
                    seenAtSeeder.insert(peer.address)
                }
            }
            if hashes.allSatisfy({ leecher.stats(for: $0)?.isComplete == true }) { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        for (meta, hash) in zip(torrents, hashes) {
            #expect(leecher.stats(for: hash)?.isComplete == true, "\(meta.info.name) downloaded")
            #expect(sameFiles(meta, dir.file("seed"), dir.file("leech")))
        }

        // Every kind of traffic reached its server...
        let requests = tracker.requests
        for kind in ["http announce", "udp connect", "udp announce", "udp other"] {
            #expect(requests.contains { $0.what == kind }, "the tracker saw no \(kind): \(requests)")
        }
        #expect(!webSeed.requestSources.isEmpty, "the web seed was asked")
        #expect(!seenAtSeeder.isEmpty, "the seeder saw the leecher")
        // ...through the proxy, which logged each connection and datagram...
        #expect(proxy.connections.contains("127.0.0.1:\(tracker.port)"), "\(proxy.connections)")
        #expect(proxy.connections.contains("127.0.0.1:\(webSeed.port)"), "\(proxy.connections)")
        #expect(proxy.connections.contains("\(seedEndpoint)"), "\(proxy.connections)")
        #expect(proxy.associations >= 1)
        #expect(proxy.datagrams.contains("127.0.0.1:\(tracker.port)"), "\(proxy.datagrams)")
        // ...and nothing came from anywhere but the proxy.
        let sources = requests.map(\.source) + webSeed.requestSources
            + seenAtSeeder.map { String($0.split(separator: ":").first ?? "") }
        let bypassed = sources.filter { $0 != Self.proxied }
        #expect(bypassed.isEmpty, "\(bypassed.count) connections or datagrams bypassed the proxy: \(bypassed)")
        #expect(leecher.snapshot(detail: nil).dht != nil, "the DHT runs on the proxy's UDP relay")
        await leecher.shutdown()
        await seeder.shutdown()
    }

    /// An HTTPS tracker is reached through the proxy too, TLS running inside the tunnel: the
    /// proxy connects to it (the name "localhost" is the proxy's to resolve), and the tracker's
    /// self-signed certificate is refused, as it must be.
    @Test func anHTTPSTrackerIsAskedThroughTheProxyWithTLSInsideTheTunnel() async throws {
        let started = try await SOCKS5ProxyServer.startedOrSkipped(username: "bob", password: "s3cret")
        guard let proxy = started else { return }
        defer { proxy.stop() }
        let trackerStarted = try await ScriptServer.startedOrSkipped { try await RecordingTracker.start(peers: [], tls: true) }
        guard let tracker = trackerStarted else { return }
        defer { tracker.stop() }
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let made = try SwarmFixture.makeTorrent(in: dir, name: "secure", files: [("a.bin", 100_000)])
        let meta = Metainfo(info: made.info, trackerTiers: [[tracker.httpsAnnounceURL]])
        let leecher = try await SwarmFixture.session(host: "127.0.0.5") {
            $0.proxy = try? SOCKS5Proxy(url: proxy.url)
            $0.useTrackers = true
        }
        let id = TorrentID(hex: try await leecher.add(meta, downloadDirectory: dir.file("leech")).hex)
        let snapshot = await leecher.waitForSnapshot(detail: id, timeout: .seconds(20)) {
            $0.detail?.trackers.first?.lastError != nil
        }
        let error = snapshot?.detail?.trackers.first?.lastError ?? "none"
        #expect(error.hasSuffix("unreachable: TLS failed: the server's certificate is not trusted"),
                "tracker error: \(error)")
        #expect(proxy.connections.contains("localhost:\(tracker.port)"), "\(proxy.connections)")
        await leecher.shutdown()
    }

    /// A web seed that ignores ranges answers 200 with whole files: through the proxy only the
    /// bytes up to each range are read, and the download still completes.
    @Test func aWebSeedWithoutRangesWorksThroughTheProxy() async throws {
        let started = try await SOCKS5ProxyServer.startedOrSkipped(username: "bob", password: "s3cret")
        guard let proxy = started else { return }
        defer { proxy.stop() }
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        guard let webSeed = try await ScriptServer.startedOrSkipped({
            try await WebSeedServer.start(root: dir.file("seed"), ignoreRanges: true)
        }) else { return }
        defer { webSeed.stop() }
        let made = try SwarmFixture.makeTorrent(in: dir, name: "whole",
                                                files: [("a.bin", 200_000), ("b.bin", 90_000)])
        let meta = Metainfo(info: made.info, webSeeds: [webSeed.url])
        let leecher = try await SwarmFixture.session(host: "127.0.0.5") {
            $0.proxy = try? SOCKS5Proxy(url: proxy.url)
        }
        let hash = try await leecher.add(meta, downloadDirectory: dir.file("leech"))
        try await leecher.waitUntilComplete(hash, timeout: .seconds(60))
        #expect(sameFiles(meta, dir.file("seed"), dir.file("leech")))
        #expect(webSeed.count(status: 200) > 0, "whole-file replies were used")
        #expect(Set(webSeed.requestSources) == [Self.proxied], "\(Set(webSeed.requestSources))")
        await leecher.shutdown()
    }

    /// A proxy that refuses UDP ASSOCIATE: the DHT and UDP trackers stay off (nothing goes around
    /// the proxy), the user is told once, and the UDP tracker's row says why.
    @Test func aProxyWithoutUDPKeepsTheDHTAndUDPTrackersOffAndSaysSo() async throws {
        let started = try await SOCKS5ProxyServer.startedOrSkipped(username: "bob", password: "s3cret", refuseUDP: true)
        guard let proxy = started else { return }
        defer { proxy.stop() }
        guard let tracker = try await ScriptServer.startedOrSkipped({ try await RecordingTracker.start(peers: []) }) else { return }
        defer { tracker.stop() }
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let made = try SwarmFixture.makeTorrent(in: dir, name: "udp", files: [("b.bin", 100_000)])
        let meta = Metainfo(info: made.info, trackerTiers: [[tracker.udpAnnounceURL]])
        let leecher = try await SwarmFixture.session(host: "127.0.0.5") {
            $0.proxy = try? SOCKS5Proxy(url: proxy.url)
            $0.useTrackers = true
            $0.dht.enabled = true
            $0.dht.bootstrapNodes = [tracker.udpEndpoint]
        }
        let id = TorrentID(hex: try await leecher.add(meta, downloadDirectory: dir.file("leech")).hex)
        let snapshot = await leecher.waitForSnapshot(detail: id, timeout: .seconds(20)) {
            $0.detail?.trackers.first?.lastError != nil
        }
        let error = snapshot?.detail?.trackers.first?.lastError ?? "none"
        #expect(error.contains("the proxy gives no UDP"), "tracker error: \(error)")
        #expect(error.contains("does not support this command"), "with the proxy's reason: \(error)")
        let notices = await leecher.events(until: { _ in false }, timeout: .milliseconds(300)).compactMap { event in
            if case .notice(nil, let text) = event { return text } else { return nil }
        }
        #expect(notices.count { $0.contains("gives no UDP relay") } == 1, "told once: \(notices)")
        #expect(leecher.snapshot(detail: nil).dht == nil, "the DHT stays off")
        #expect(proxy.refusedCommands.count >= 2, "the session and the tracker asked: \(proxy.refusedCommands)")
        #expect(tracker.requests.isEmpty, "nothing reached the tracker around the proxy: \(tracker.requests)")
        await leecher.shutdown()
    }
}
