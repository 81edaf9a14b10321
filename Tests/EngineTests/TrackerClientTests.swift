@testable import Engine
import Foundation
import NIOCore
import NIOPosix
import TestSupport
import Testing
import TorrentCore
import WireProtocol

/// rill's HTTP and UDP tracker clients against a real opentracker on 127.0.0.1, and against
/// closed ports. Every wait is bounded.
@Suite(.serialized, .blockingAllowed, .enabled(if: OpenTrackerProcess.binary != nil || ExternalTool.toolsRequired,
                             "opentracker is not installed"))
struct TrackerClientTests {
    private static func infoHash(_ seed: UInt8) -> InfoHash { InfoHash(bytes: Array(repeating: seed, count: 19) + [0x42])! }

    private static func request(_ infoHash: InfoHash, port: UInt16, left: Int64, event: AnnounceEvent = .started) -> AnnounceRequest {
        AnnounceRequest(infoHash: infoHash, peerID: Array("-RL0001-peer\(port)xxxx".utf8.prefix(20)), port: port,
                        left: left, event: event, numWant: 50, key: UInt32(port))
    }

    /// Runs `body` with a tracker client on its own event loop group (quick timeouts unless
    /// `udpTimeout` says otherwise), then shuts both down.
    private func withClient(udpTimeout: Duration = .milliseconds(500), udpRetransmissions: Int = 2,
                            _ body: (TrackerClient) async throws -> Void) async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        var http = HTTPTrackerClient.Configuration()
        http.timeout = .seconds(30)
        var udp = UDPTrackerClient.Configuration()
        udp.baseTimeout = udpTimeout
        udp.maxRetransmissions = udpRetransmissions
        let client = TrackerClient(eventLoopGroup: group, http: http, udp: udp)
        do {
            try await body(client)
        } catch {
            await client.shutdown()
            try await group.shutdownGracefully()
            throw error
        }
        await client.shutdown()
        try await group.shutdownGracefully()
    }

    private func withTracker(whitelist: [InfoHash], _ body: (OpenTrackerProcess) async throws -> Void) async throws {
        let binary = try #require(OpenTrackerProcess.binary, "opentracker is not installed")
        let tracker = try OpenTrackerProcess(binary: binary, whitelist: whitelist)
        defer { tracker.stop() }
        try await body(tracker)
    }

    /// Two peers announce to `url`; each must find the other (opentracker also lists the asker).
    private func twoPeersMeet(url: String, infoHash: InfoHash, client: TrackerClient) async throws {
        let first = try await client.announce(url: url, request: Self.request(infoHash, port: 7001, left: 1000))
        #expect(first.interval != nil)
        let second = try await client.announce(url: url, request: Self.request(infoHash, port: 7002, left: 0))
        #expect(second.peers.contains(PeerEndpoint(host: "127.0.0.1", port: 7001)), "\(second.peers)")
        #expect(second.seeders == 1)
        #expect(second.leechers == 1)
        let again = try await client.announce(url: url, request: Self.request(infoHash, port: 7001, left: 1000, event: .none))
        #expect(again.peers.contains(PeerEndpoint(host: "127.0.0.1", port: 7002)), "\(again.peers)")

        let scrape = try await client.scrape(url: url, infoHashes: [infoHash])
        #expect(scrape.files[infoHash] == ScrapeStats(seeders: 1, completed: 0, leechers: 1))
    }

    @Test func peersFindEachOtherOverHTTP() async throws {
        let infoHash = Self.infoHash(1)
        try await withTracker(whitelist: [infoHash]) { tracker in
            try await withClient { client in
                try await twoPeersMeet(url: tracker.httpAnnounceURL, infoHash: infoHash, client: client)
            }
        }
    }

    @Test func peersFindEachOtherOverUDP() async throws {
        let infoHash = Self.infoHash(2)
        try await withTracker(whitelist: [infoHash]) { tracker in
            try await withClient { client in
                try await twoPeersMeet(url: tracker.udpAnnounceURL, infoHash: infoHash, client: client)
            }
        }
    }

    @Test func completedAndStoppedEventsUpdateTheSwarm() async throws {
        let infoHash = Self.infoHash(3)
        try await withTracker(whitelist: [infoHash]) { tracker in
            try await withClient { client in
                let url = tracker.httpAnnounceURL
                _ = try await client.announce(url: url, request: Self.request(infoHash, port: 7001, left: 10))
                _ = try await client.announce(url: url, request: Self.request(infoHash, port: 7001, left: 0, event: .completed))
                var scrape = try await client.scrape(url: tracker.udpAnnounceURL, infoHashes: [infoHash])
                #expect(scrape.files[infoHash] == ScrapeStats(seeders: 1, completed: 1, leechers: 0))
                _ = try await client.announce(url: url, request: Self.request(infoHash, port: 7001, left: 0, event: .stopped))
                scrape = try await client.scrape(url: url, infoHashes: [infoHash])
                #expect((scrape.files[infoHash]?.seeders ?? 0) == 0)
            }
        }
    }

    @Test func reportsATrackersRefusal() async throws {
        try await withTracker(whitelist: [Self.infoHash(4)]) { tracker in
            try await withClient { client in
                do throws(TrackerError) {
                    _ = try await client.announce(url: tracker.httpAnnounceURL + "?passkey=secret",
                                                  request: Self.request(Self.infoHash(5), port: 7001, left: 1))
                    Issue.record("a torrent off the whitelist was accepted")
                } catch {
                    #expect(error == .rejected(url: tracker.httpAnnounceURL,
                                               reason: "Requested download is not authorized for use with this tracker."))
                    #expect(!error.description.contains("secret"))
                }
            }
        }
    }

    @Test(arguments: ["http", "udp"])
    func aClosedPortIsUnreachableQuickly(scheme: String) async throws {
        let port = try OpenTrackerProcess.freeLoopbackPort()
        let url = "\(scheme)://127.0.0.1:\(port)/announce"
        // The refusal (a TCP RST, or the ICMP port-unreachable a connected UDP socket reports) must end the
        // announce: with 30 s timeouts and no retransmission, only that can end it well before 30 s, however
        // loaded the machine is.
        try await withClient(udpTimeout: .seconds(30), udpRetransmissions: 0) { client in
            let clock = ContinuousClock()
            let started = clock.now
            do throws(TrackerError) {
                _ = try await client.announce(url: url, request: Self.request(Self.infoHash(6), port: 7001, left: 1))
                Issue.record("announce to a closed port succeeded")
            } catch {
                #expect(error == .unreachable(url: url, reason: "connection refused"))
                #expect(error.description == "tracker \(url) unreachable: connection refused")
            }
            #expect(started.duration(to: clock.now) < .seconds(25))
        }
    }
}
