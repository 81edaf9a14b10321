internal import NIOCore
internal import NIOPosix
import TorrentCore

/// How peer connections reach the network. A transport accepts incoming channels and opens
/// outgoing ones; either way the caller's `initializer` gives the channel the same pipeline
/// (MSE/PE, the frame decoder, `PeerChannelHandler`), so nothing above the channel knows which
/// transport carries it: TCP (`TCPTransport`) and uTP (`UTPTransport`, BEP 29).
protocol PeerTransport: Sendable {
    /// Shown in logs.
    var name: String { get }

    /// Accepts peers on `host:port`; each accepted channel reaches `initializer` with the peer's address.
    func listen(host: String, port: Int, on group: EventLoopGroup,
                initializer: @escaping @Sendable (Channel, PeerEndpoint?) -> EventLoopFuture<Void>)
        -> EventLoopFuture<Channel>

    func connect(to endpoint: PeerEndpoint, on loop: EventLoop, timeout: TimeAmount,
                 initializer: @escaping @Sendable (Channel) -> EventLoopFuture<Void>) -> EventLoopFuture<Channel>
}

/// Peer connections over TCP, with Nagle off (requests are small and latency-bound) and a send
/// buffer bounded by a water mark (uploads pause above it).
struct TCPTransport: PeerTransport {
    static let sendBuffer = ChannelOptions.Types.WriteBufferWaterMarkOption.Value(low: 512 << 10, high: 1 << 20)

    var name: String { "tcp" }

    func listen(host: String, port: Int, on group: EventLoopGroup,
                initializer: @escaping @Sendable (Channel, PeerEndpoint?) -> EventLoopFuture<Void>)
        -> EventLoopFuture<Channel> {
        ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.writeBufferWaterMark, value: Self.sendBuffer)
            .childChannelInitializer { channel in
                let remote = channel.remoteAddress
                let endpoint = remote.flatMap { address in
                    address.ipAddress.flatMap { host in
                        address.port.flatMap(UInt16.init(exactly:)).map { PeerEndpoint(host: host, port: $0) }
                    }
                }
                return initializer(channel, endpoint)
            }
            .bind(host: host, port: port)
    }

    func connect(to endpoint: PeerEndpoint, on loop: EventLoop, timeout: TimeAmount,
                 initializer: @escaping @Sendable (Channel) -> EventLoopFuture<Void>) -> EventLoopFuture<Channel> {
        ClientBootstrap(group: loop)
            .connectTimeout(timeout)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelOption(.writeBufferWaterMark, value: Self.sendBuffer)
            .channelInitializer(initializer)
            .connect(host: endpoint.host, port: Int(endpoint.port))
    }
}
