@testable import Engine
import Foundation
import NIOCore
import NIOPosix
import Testing
import TestSupport
import TorrentCore
import WireProtocol

/// A scripted UDP tracker on 127.0.0.1: `respond` gets each request and how many came before it,
/// and returns the datagrams to send back (none simulates a lost packet).
private final class ScriptedUDPTracker: ChannelInboundHandler, Sendable {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    typealias OutboundOut = AddressedEnvelope<ByteBuffer>

    private let respond: @Sendable (_ request: [UInt8], _ index: Int) -> [[UInt8]]
    private let received = ReceivedRequests()

    init(respond: @escaping @Sendable (_ request: [UInt8], _ index: Int) -> [[UInt8]]) {
        self.respond = respond
    }

    var requests: [[UInt8]] { received.all }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = Self.unwrapInboundIn(data)
        let request = Array(envelope.data.readableBytesView)
        let index = received.append(request)
        for reply in respond(request, index) {
            let buffer = context.channel.allocator.buffer(bytes: reply)
            context.write(Self.wrapOutboundOut(AddressedEnvelope(remoteAddress: envelope.remoteAddress, data: buffer)),
                          promise: nil)
        }
        context.flush()
    }

    /// Binds to a free loopback port.
    static func start(group: any EventLoopGroup, handler: ScriptedUDPTracker) async throws -> any Channel {
        try await DatagramBootstrap(group: group)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(handler) }
            }
            .bind(host: "127.0.0.1", port: 0)
            .get()
    }
}

private final class ReceivedRequests: @unchecked Sendable {
    private let lock = NSLock()
    private var requests: [[UInt8]] = []

    func append(_ request: [UInt8]) -> Int {
        lock.lock()
        defer { lock.unlock() }
        requests.append(request)
        return requests.count - 1
    }

    var all: [[UInt8]] {
        lock.lock()
        defer { lock.unlock() }
        return requests
    }
}

/// Reply builders keyed on the request's action and transaction id (bytes 8..<16 of every request).
private enum Reply {
    static func action(of request: [UInt8]) -> UInt32 { request[8..<12].reduce(0) { $0 << 8 | UInt32($1) } }
    static func transaction(of request: [UInt8]) -> [UInt8] { Array(request[12..<16]) }

    static func connect(_ request: [UInt8], id: UInt64 = 0x1122_3344_5566_7788) -> [UInt8] {
        [0, 0, 0, 0] + transaction(of: request) + (0..<8).map { UInt8(truncatingIfNeeded: id >> (56 - 8 * UInt64($0))) }
    }

    static func announce(_ request: [UInt8], peers: [UInt8] = [10, 0, 0, 9, 0x1A, 0xE1]) -> [UInt8] {
        [0, 0, 0, 1] + transaction(of: request) + [0, 0, 0, 60, 0, 0, 0, 1, 0, 0, 0, 2] + peers
    }

    static func error(_ request: [UInt8], _ message: String) -> [UInt8] {
        [0, 0, 0, 3] + transaction(of: request) + Array(message.utf8)
    }
}

/// `.blockingAllowed`: these tests time retransmissions in hundreds of milliseconds, and on the 2-thread
/// cooperative pool of a loaded test run a resumption alone took over 20 s.
@Suite(.blockingAllowed) struct TrackerUDPClientTests {
    private static let request = AnnounceRequest(infoHash: InfoHash(bytes: Array(1...20))!,
                                                 peerID: Array("-RL0001-udpudpudpudp".utf8), port: 6881, left: 5)

    /// Runs `body` against a scripted tracker with a client that waits `baseTimeout·2ⁿ` for up to 3 tries.
    private func withScriptedTracker(baseTimeout: Duration = .milliseconds(200),
                                     respond: @escaping @Sendable ([UInt8], Int) -> [[UInt8]],
                                     _ body: (UDPTrackerClient, String, ScriptedUDPTracker) async throws -> Void) async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let handler = ScriptedUDPTracker(respond: respond)
        let server = try await ScriptedUDPTracker.start(group: group, handler: handler)
        let port = try #require(server.localAddress?.port)
        var configuration = UDPTrackerClient.Configuration()
        configuration.baseTimeout = baseTimeout
        configuration.maxRetransmissions = 2
        let client = UDPTrackerClient(group: group, configuration: configuration)
        do {
            try await body(client, "udp://127.0.0.1:\(port)/announce", handler)
        } catch {
            try? await server.close()
            try await group.shutdownGracefully()
            throw error
        }
        try await server.close()
        try await group.shutdownGracefully()
    }

    @Test func retransmitsAfterALostPacketAndIgnoresOtherTransactions() async throws {
        try await withScriptedTracker(respond: { request, index in
            switch (Reply.action(of: request), index) {
            case (0, 0): return []                                            // the first connect is lost
            case (0, _): return [Reply.connect(request)]
            default:
                var stale = Reply.announce(request, peers: [1, 1, 1, 1, 0, 1])
                stale[7] ^= 0xFF                                               // another transaction's reply
                return [stale, Reply.announce(request)]
            }
        }) { client, url, tracker in
            let response = try await client.announce(url: url, request: Self.request)
            #expect(response.peers == [PeerEndpoint(host: "10.0.0.9", port: 6881)])
            #expect(response.interval == 60)
            #expect(response.leechers == 1)
            #expect(response.seeders == 2)
            let requests = tracker.requests
            #expect(requests.map(Reply.action(of:)) == [0, 0, 1])
            #expect(requests[2].count == 98)
            #expect(Array(requests[2][0..<8]) == [0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88])

            // The connection id is cached: a second announce goes straight out.
            _ = try await client.announce(url: url, request: Self.request)
            #expect(tracker.requests.map(Reply.action(of:)) == [0, 0, 1, 1])
        }
    }

    @Test func turnsAnErrorPacketIntoARefusal() async throws {
        try await withScriptedTracker(respond: { request, _ in
            Reply.action(of: request) == 0 ? [Reply.connect(request)] : [Reply.error(request, "torrent not registered")]
        }) { client, url, _ in
            do throws(TrackerError) {
                _ = try await client.announce(url: url, request: Self.request)
                Issue.record("an error packet was taken as success")
            } catch {
                #expect(error == .rejected(url: url, reason: "torrent not registered"))
                #expect(error.description == "tracker \(url) said: torrent not registered")
            }
        }
    }

    @Test func givesUpOnASilentTrackerInBoundedTime() async throws {
        try await withScriptedTracker(baseTimeout: .milliseconds(100), respond: { _, _ in [] }) { client, url, tracker in
            let clock = ContinuousClock()
            let started = clock.now
            do throws(TrackerError) {
                _ = try await client.announce(url: url, request: Self.request)
                Issue.record("a silent tracker answered")
            } catch {
                guard case .timedOut(let shown, let after) = error else {
                    Issue.record("expected a timeout, got \(error)")
                    return
                }
                #expect(shown == url)
                #expect(after >= .milliseconds(700))
            }
            // Bounded: three tries, not BEP 15's eight doubling ones (hours); generous for a loaded machine.
            #expect(started.duration(to: clock.now) < .seconds(20))
            #expect(tracker.requests.count == 3)   // 100 ms + 200 ms + 400 ms
        }
    }

    @Test func aTrackerAnsweringOnlyOtherTransactionsIsNamedForIt() async throws {
        try await withScriptedTracker(baseTimeout: .milliseconds(100), respond: { request, _ in
            var reply = Reply.connect(request)
            reply[7] ^= 0xFF  // the transaction id of some other request
            return [reply]
        }) { client, url, _ in
            do throws(TrackerError) {
                _ = try await client.announce(url: url, request: Self.request)
                Issue.record("a reply to another transaction was accepted")
            } catch {
                #expect(error == .wrongTransactionIDs(url: url, replies: 3))
                #expect(error.description.contains("wrong transaction id"), "\(error)")
                #expect(!error.description.contains("closed"), "\(error)")
            }
        }
    }

    @Test func scrapesThroughTheSameConnection() async throws {
        try await withScriptedTracker(respond: { request, _ in
            if Reply.action(of: request) == 0 { return [Reply.connect(request)] }
            return [[0, 0, 0, 2] + Reply.transaction(of: request) + [0, 0, 0, 4, 0, 0, 0, 5, 0, 0, 0, 6]]
        }) { client, url, _ in
            let first = InfoHash(bytes: Array(1...20))!
            let second = InfoHash(bytes: Array(repeating: 9, count: 20))!
            let response = try await client.scrape(url: url, infoHashes: [first, second])
            #expect(response.files == [first: ScrapeStats(seeders: 4, completed: 5, leechers: 6)])
            #expect(response.notes == ["reply covers 1 of 2 torrents"])
        }
    }

    @Test func rejectsURLsItCannotUse() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let client = TrackerClient(eventLoopGroup: group)
        for (url, expected) in [
            ("udp://127.0.0.1/announce", TrackerError.invalidURL("udp://127.0.0.1/announce")),
            ("wss://tracker.example/announce?k=secret", .unsupportedScheme(url: "wss://tracker.example/announce")),
            ("not a url at all", .invalidURL("not a url at all")),
            ("http://127.0.0.1:1/a?k=1", .scrapeUnsupported(url: "http://127.0.0.1:1/a")),
        ] {
            do throws(TrackerError) {
                _ = try await client.scrape(url: url, infoHashes: [Self.request.infoHash])
                Issue.record("\(url) was accepted")
            } catch {
                #expect(error == expected)
            }
        }
        await client.shutdown()
        try await group.shutdownGracefully()
    }
}
