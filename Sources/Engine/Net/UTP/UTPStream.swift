internal import NIOCore
internal import NIOPosix
import SwarmLogic
import TorrentCore
import WireProtocol

#if canImport(Glibc)
import Glibc
#endif

/// One uTP connection inside the engine: the pure `UTPConnection` plus the byte stream the peer
/// pipeline reads and writes. The stream is a connected Unix socket pair: one end becomes the
/// pipeline's `Channel` (so MSE/PE, the frame decoder and `PeerChannelHandler` run exactly as
/// over TCP), the other end (the bridge) feeds `write` and takes delivered bytes. That costs
/// two extra copies per byte but keeps NIO's own channel, back-pressure and close semantics.
/// Loop-confined, like the `UTPSocket` that owns it.
final class UTPStream: @unchecked Sendable {
    /// Stop reading from the pipeline above this many unacknowledged bytes; resume below a quarter.
    static let sendBufferLimit = 2 << 20

    let key: UTPSocket.Key
    let remote: SocketAddress
    var endpoint: PeerEndpoint { PeerEndpoint(host: key.host, port: UInt16(clamping: key.port)) }
    private(set) var connection: UTPConnection
    private unowned let socket: UTPSocket
    private var bridge: Channel?
    private var bridgeReadsPaused = false
    /// Bytes completed in this read burst (or before the bridge was ready), written up in one go.
    private var undelivered = ByteBuffer()
    private var opening: (promise: EventLoopPromise<Channel>, initializer: @Sendable (Channel) -> EventLoopFuture<Void>)?
    private(set) var isClosed = false

    init(key: UTPSocket.Key, remote: SocketAddress, connection: UTPConnection, socket: UTPSocket) {
        self.key = key
        self.remote = remote
        self.connection = connection
        self.socket = socket
    }

    /// For an outgoing stream: `promise` gets the pipeline's channel once the handshake is done.
    func awaitConnection(_ promise: EventLoopPromise<Channel>,
                         initializer: @escaping @Sendable (Channel) -> EventLoopFuture<Void>) {
        opening = (promise, initializer)
    }

    // MARK: - From the socket

    func receive(_ packet: UTPPacket, at now: SwarmInstant) {
        var events: [UTPEvent] = []
        let bytes = connection.receive(packet, at: now, events: &events)
        deliver(bytes)
        handle(events)
        resumeReadsIfDrained()
    }

    func tick(at now: SwarmInstant) {
        var events: [UTPEvent] = []
        connection.tick(at: now, events: &events)
        handle(events)
    }

    /// The socket could not send the path MTU probe `sequenceNumber`: too big for the interface.
    func probeTooBig(sequenceNumber: UInt16) {
        connection.probeTooBig(sequenceNumber: sequenceNumber)
    }

    /// The packets the connection wants sent now.
    func flush(at now: SwarmInstant) -> [UTPPacket] {
        connection.flush(at: now)
    }

    // MARK: - The byte stream

    /// Makes the socket pair; the pipeline end gets `initializer`'s handlers.
    func openStream(initializer: @escaping @Sendable (Channel) -> EventLoopFuture<Void>,
                    on loop: EventLoop) -> EventLoopFuture<Channel> {
        var fds: [Int32] = [0, 0]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &fds) == 0 else {
            return loop.makeFailedFuture(IOError(errnoCode: errno, reason: "socketpair"))
        }
        let bridgeFuture = ClientBootstrap(group: loop)
            .channelInitializer { [self] channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(UTPBridgeHandler(stream: self))
                }
            }
            .withConnectedSocket(fds[1])
        let pipelineFuture = ClientBootstrap(group: loop)
            .channelOption(.writeBufferWaterMark, value: TCPTransport.sendBuffer)
            .channelInitializer(initializer)
            .withConnectedSocket(fds[0])
        return bridgeFuture.assumeIsolated().flatMap { [self] bridgeChannel in
            bridge = bridgeChannel
            deliverPending()
            return pipelineFuture
        }.nonisolated()
    }

    private func deliver(_ bytes: [UInt8]) {
        if !bytes.isEmpty { undelivered.writeBytes(bytes) }
    }

    /// Writes the bytes completed so far up the stream: once per read burst, so a burst of
    /// packets costs one write into the socket pair instead of one per packet.
    func deliverPending() {
        guard let bridge, undelivered.readableBytes > 0 else { return }
        let buffer = undelivered
        undelivered = bridge.allocator.buffer(capacity: buffer.readableBytes)
        bridge.writeAndFlush(buffer, promise: nil)
    }

    /// Bytes the pipeline wrote.
    func applicationWrote(_ buffer: ByteBuffer) {
        connection.write(buffer.readableBytesView)
        if connection.bufferedBytes > Self.sendBufferLimit, !bridgeReadsPaused, let bridge {
            bridgeReadsPaused = true
            try? bridge.syncOptions?.setOption(.autoRead, value: false)
        }
    }

    func applicationFlushed() {
        socket.send(self)
    }

    /// The pipeline closed its end: finish with FIN.
    func applicationClosed() {
        bridge = nil
        connection.close()
        socket.send(self)
    }

    private func resumeReadsIfDrained() {
        guard bridgeReadsPaused, connection.bufferedBytes < Self.sendBufferLimit / 4, let bridge else { return }
        bridgeReadsPaused = false
        try? bridge.syncOptions?.setOption(.autoRead, value: true)
        bridge.read()
    }

    private func handle(_ events: [UTPEvent]) {
        for event in events {
            switch event {
            case .connected:
                guard let opening else { continue }
                self.opening = nil
                openStream(initializer: opening.initializer, on: socket.loop).cascade(to: opening.promise)
            case .endOfStream:
                deliverPending()
                bridge?.close(promise: nil)
            case .closed(let reason):
                isClosed = true
                opening?.promise.fail(UTPStreamError(reason: reason))
                opening = nil
                deliverPending()
                bridge?.close(promise: nil)
                bridge = nil
                socket.remove(self)
            }
        }
    }
}

/// A uTP connection that ended before it opened (no answer to the SYN, or a reset).
struct UTPStreamError: Error, CustomStringConvertible {
    let reason: UTPCloseReason
    var description: String { "uTP: \(reason)" }
}

/// The bridge end of a `UTPStream`'s socket pair: what the pipeline writes goes to the uTP
/// connection; when the pipeline closes its end, the connection sends FIN.
final class UTPBridgeHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    private let stream: UTPStream

    init(stream: UTPStream) {
        self.stream = stream
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        stream.applicationWrote(unwrapInboundIn(data))
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        stream.applicationFlushed()
    }

    func channelInactive(context: ChannelHandlerContext) {
        stream.applicationClosed()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        context.close(promise: nil)
    }
}
