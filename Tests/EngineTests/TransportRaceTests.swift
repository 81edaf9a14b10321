@testable import Engine
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import SwarmLogic
import Testing
import TorrentCore

/// Dialling a new peer: uTP gets a head start, then TCP runs alongside it, and the first channel
/// to connect is the connection. The TCP side is a real listener on 127.0.0.1; the uTP side is a
/// transport whose SYN is answered (or refused) only when the test says so.
@Suite(.timeLimit(.minutes(1))) struct TransportRaceTests {
    /// A uTP transport that never answers until `answer` or `refuse` is called.
    final class HeldUTP: PeerTransport, @unchecked Sendable {
        let loop: any EventLoop
        private let pending = NIOLockedValueBox<EventLoopPromise<Channel>?>(nil)
        private let dials = NIOLockedValueBox(0)
        init(loop: any EventLoop) { self.loop = loop }
        var name: String { "held utp" }
        var dialCount: Int { dials.withLockedValue { $0 } }
        func listen(host: String, port: Int, on group: any EventLoopGroup,
                    initializer: @escaping @Sendable (any Channel, PeerEndpoint?) -> EventLoopFuture<Void>)
            -> EventLoopFuture<any Channel> { loop.makeFailedFuture(ChannelError.operationUnsupported) }
        func connect(to endpoint: PeerEndpoint, on loop: any EventLoop, timeout: TimeAmount,
                     initializer: @escaping @Sendable (any Channel) -> EventLoopFuture<Void>) -> EventLoopFuture<any Channel> {
            dials.withLockedValue { $0 += 1 }
            let promise = loop.makePromise(of: Channel.self)
            pending.withLockedValue { $0 = promise }
            return promise.futureResult
        }
        func refuse() { pending.withLockedValue { $0 }?.fail(ChannelError.connectTimeout(.seconds(1))) }
    }

    /// A TCP transport that counts its dials (and dials for real).
    final class CountingTCP: PeerTransport, @unchecked Sendable {
        private let dials = NIOLockedValueBox(0)
        var name: String { "tcp" }
        var dialCount: Int { dials.withLockedValue { $0 } }
        func listen(host: String, port: Int, on group: any EventLoopGroup,
                    initializer: @escaping @Sendable (any Channel, PeerEndpoint?) -> EventLoopFuture<Void>)
            -> EventLoopFuture<any Channel> { TCPTransport().listen(host: host, port: port, on: group, initializer: initializer) }
        func connect(to endpoint: PeerEndpoint, on loop: any EventLoop, timeout: TimeAmount,
                     initializer: @escaping @Sendable (any Channel) -> EventLoopFuture<Void>) -> EventLoopFuture<any Channel> {
            dials.withLockedValue { $0 += 1 }
            return TCPTransport().connect(to: endpoint, on: loop, timeout: timeout, initializer: initializer)
        }
    }

    /// Counts the `channelActive` events the installed pipeline hears: the peer handshake goes
    /// out on the first, so there must be exactly one.
    final class ActivationCounter: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = ByteBuffer
        let count: NIOLockedValueBox<Int>
        init(_ count: NIOLockedValueBox<Int>) { self.count = count }
        func channelActive(context: ChannelHandlerContext) {
            count.withLockedValue { $0 += 1 }
            context.fireChannelActive()
        }
    }

    /// Runs a race on `loop` against `endpoint`; returns what it reported.
    private func race(to endpoint: PeerEndpoint, utp: HeldUTP, tcp: CountingTCP, loop: any EventLoop,
                      installed: NIOLockedValueBox<[TransportKind]>,
                      activations: NIOLockedValueBox<Int> = NIOLockedValueBox(0)) async throws
        -> Result<TransportKind, any Error> {
        try await withCheckedThrowingContinuation { continuation in
            loop.execute {
                TransportRace(endpoint: endpoint, waiting: { true }, utp: utp, tcp: tcp, loop: loop,
                              headStart: .milliseconds(250),
                              install: { channel, kind in
                                  installed.withLockedValue { $0.append(kind) }
                                  try channel.pipeline.syncOperations.addHandler(ActivationCounter(activations))
                              },
                              log: { _ in },
                              done: { continuation.resume(returning: $0) }).start()
            }
        }
    }

    /// A loop, and a TCP listener on 127.0.0.1 that accepts and does nothing else.
    private func listening() async throws -> (MultiThreadedEventLoopGroup, any EventLoop, any Channel, PeerEndpoint) {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let server = try await TCPTransport().listen(host: "127.0.0.1", port: 0, on: group) { channel, _ in
            channel.eventLoop.makeSucceededVoidFuture()
        }.get()
        return (group, group.next(), server, PeerEndpoint(host: "127.0.0.1", port: UInt16(server.localAddress!.port!)))
    }

    @Test func aPeerThatNeverAnswersUTPIsReachedOverTCPBeforeTheSynGivesUp() async throws {
        let (group, loop, server, endpoint) = try await listening()
        let utp = HeldUTP(loop: loop), tcp = CountingTCP()
        let installed = NIOLockedValueBox<[TransportKind]>([])
        let activations = NIOLockedValueBox(0)

        let result = try await race(to: endpoint, utp: utp, tcp: tcp, loop: loop, installed: installed,
                                    activations: activations)
        // The uTP SYN is still unanswered: TCP did not wait for it to give up.
        #expect(try result.get() == .tcp)
        #expect(installed.withLockedValue { $0 } == [.tcp], "one pipeline, on the TCP channel")
        try await loop.submit {}.get()  // after whatever the loop does next with the channel
        #expect(activations.withLockedValue { $0 } == 1, "the pipeline hears once that the channel is active")
        #expect(utp.dialCount == 1 && tcp.dialCount == 1)
        // uTP giving up afterwards changes nothing (no second report: the continuation would trap).
        utp.refuse()
        try await loop.submit {}.get()  // the refusal's callbacks have run
        #expect(installed.withLockedValue { $0 } == [.tcp])
        try await server.close()
        try await group.shutdownGracefully()
    }

    @Test func aUTPRefusalBeforeTheHeadStartEndsGoesStraightToTCP() async throws {
        let (group, loop, server, endpoint) = try await listening()
        let utp = HeldUTP(loop: loop), tcp = CountingTCP()
        let installed = NIOLockedValueBox<[TransportKind]>([])
        loop.execute { utp.refuse() }  // runs right after the race starts (same loop, queued behind it)

        let result = try await race(to: endpoint, utp: utp, tcp: tcp, loop: loop, installed: installed)
        #expect(try result.get() == .tcp)
        #expect(tcp.dialCount == 1, "TCP dialled once, not again when the head start ends")
        // A loop timer set after the race's 250 ms head start fires after it.
        try await loop.scheduleTask(in: .milliseconds(300)) {}.futureResult.get()
        #expect(tcp.dialCount == 1)
        try await server.close()
        try await group.shutdownGracefully()
    }

    @Test func bothFailingReportsOneFailureOnceBothAreDone() async throws {
        // A port nothing listens on: bind one, note it, close it.
        let (group, loop, closed, endpoint) = try await listening()
        try await closed.close()
        let utp = HeldUTP(loop: loop), tcp = CountingTCP()
        let installed = NIOLockedValueBox<[TransportKind]>([])
        // TCP is refused at once after the head start; the race waits for uTP too.
        loop.scheduleTask(in: .milliseconds(600)) { utp.refuse() }

        let clock = ContinuousClock()
        let started = clock.now
        let result = try await race(to: endpoint, utp: utp, tcp: tcp, loop: loop, installed: installed)
        #expect(throws: (any Error).self) { try result.get() }
        #expect(clock.now - started >= .milliseconds(550), "reported only after uTP gave up too")
        #expect(installed.withLockedValue { $0 }.isEmpty)
        #expect(tcp.dialCount == 1)
        try await group.shutdownGracefully()
    }
}
