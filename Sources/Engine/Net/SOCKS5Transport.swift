internal import NIOCore
internal import NIOPosix
import TorrentCore
import WireProtocol

/// Outgoing peer connections through a SOCKS5 proxy (CONNECT). The channel is a TCP connection
/// to the proxy whose first handler runs the handshake and only then lets the peer pipeline see
/// the channel as active, so nothing above it knows about the proxy. It never listens: an
/// incoming connection would not have come through the proxy.
struct SOCKS5Transport: PeerTransport {
    let proxy: SOCKS5Proxy

    var name: String { "tcp via socks5" }

    func listen(host: String, port: Int, on group: EventLoopGroup,
                initializer: @escaping @Sendable (Channel, PeerEndpoint?) -> EventLoopFuture<Void>)
        -> EventLoopFuture<Channel> {
        group.next().makeFailedFuture(ChannelError.operationUnsupported)
    }

    func connect(to endpoint: PeerEndpoint, on loop: EventLoop, timeout: TimeAmount,
                 initializer: @escaping @Sendable (Channel) -> EventLoopFuture<Void>) -> EventLoopFuture<Channel> {
        guard let target = SOCKS5Address(host: endpoint.host) else {
            return loop.makeFailedFuture(SOCKS5Error.malformed("peer address \(endpoint.host)"))
        }
        let established = loop.makePromise(of: SOCKS5BoundAddress.self)
        let proxy = proxy
        return ClientBootstrap(group: loop)
            .connectTimeout(timeout)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelOption(.writeBufferWaterMark, value: TCPTransport.sendBuffer)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let handshake = SOCKS5ClientHandshake(target: target, port: endpoint.port,
                                                          credentials: proxy.credentials)
                    try channel.pipeline.syncOperations.addHandler(
                        SOCKS5ConnectHandler(handshake: handshake, established: established, timeout: timeout))
                }.flatMap { initializer(channel) }
            }
            .connect(host: proxy.host, port: proxy.port)
            .flatMap { channel in
                established.futureResult.map { _ in channel }.flatMapErrorThrowing { error in
                    channel.close(promise: nil)
                    throw error
                }
            }
    }
}

/// The address and port a proxy reports for a request: the far end of a CONNECT, or the relay
/// to send datagrams to for a UDP ASSOCIATE.
struct SOCKS5BoundAddress: Sendable {
    var address: SOCKS5Address
    var port: UInt16
}

/// Runs a SOCKS5 CONNECT (or UDP ASSOCIATE) on a fresh channel to the proxy. It holds back `channelActive` (and
/// any write) until the proxy reports the tunnel open, then passes on the active event and the
/// far end's first bytes and leaves the pipeline. A refusal fails `established` and closes.
final class SOCKS5ConnectHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private var handshake: SOCKS5ClientHandshake
    private let established: EventLoopPromise<SOCKS5BoundAddress>
    private let timeout: TimeAmount
    private var timer: Scheduled<Void>?
    private var pendingWrites: [(ByteBuffer, EventLoopPromise<Void>?)] = []
    private var done = false
    /// Set once the pipeline above was told the channel is active (so it must also hear of its end).
    private var forwardedActive = false

    init(handshake: SOCKS5ClientHandshake, established: EventLoopPromise<SOCKS5BoundAddress>, timeout: TimeAmount) {
        self.handshake = handshake
        self.established = established
        self.timeout = timeout
    }

    func channelActive(context: ChannelHandlerContext) {
        var buffer = context.channel.allocator.buffer(capacity: 4)
        buffer.writeBytes(handshake.greeting())
        context.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        timer = context.eventLoop.scheduleTask(in: timeout) {
            let (handler, context) = loopBound.value
            handler.fail(SOCKS5Error.malformed("no answer from the proxy in time"), context: context)
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !done else { return context.fireChannelRead(data) }
        var bytes = unwrapInboundIn(data)
        do {
            switch try handshake.receive(bytes.readBytes(length: bytes.readableBytes) ?? []) {
            case .send(let reply):
                if !reply.isEmpty {
                    var buffer = context.channel.allocator.buffer(capacity: reply.count)
                    buffer.writeBytes(reply)
                    context.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
                }
            case .established(let address, let port, let leftover):
                succeed(SOCKS5BoundAddress(address: address, port: port), leftover: leftover, context: context)
            }
        } catch {
            fail(error, context: context)
        }
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if done { return context.write(data, promise: promise) }
        pendingWrites.append((unwrapOutboundIn(data), promise))
    }

    func channelInactive(context: ChannelHandlerContext) {
        if forwardedActive { return context.fireChannelInactive() }
        // The peer pipeline never saw the channel active, so it need not see it go.
        fail(SOCKS5Error.malformed("the proxy closed the connection"), context: context)
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        if done { return context.fireErrorCaught(error) }
        fail(error, context: context)
    }

    private func succeed(_ bound: SOCKS5BoundAddress, leftover: [UInt8], context: ChannelHandlerContext) {
        done = true
        timer?.cancel()
        established.succeed(bound)
        forwardedActive = true
        context.fireChannelActive()
        for (buffer, promise) in pendingWrites { context.write(wrapOutboundOut(buffer), promise: promise) }
        pendingWrites = []
        context.flush()
        if !leftover.isEmpty {
            var buffer = context.channel.allocator.buffer(capacity: leftover.count)
            buffer.writeBytes(leftover)
            context.fireChannelRead(wrapInboundOut(buffer))
        }
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
    }

    private func fail(_ error: Error, context: ChannelHandlerContext) {
        guard !done else { return }
        done = true
        timer?.cancel()
        for (_, promise) in pendingWrites { promise?.fail(error) }
        pendingWrites = []
        established.fail(error)
        context.close(promise: nil)
    }
}
