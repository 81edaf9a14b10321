internal import NIOCore
import TorrentCore

/// Peer connections over uTP (BEP 29): every connection shares the one `UTPSocket`, and each
/// gets a byte-stream `Channel` with the same pipeline as a TCP connection.
struct UTPTransport: PeerTransport {
    let socket: UTPSocket

    var name: String { "utp" }

    func listen(host: String, port: Int, on group: EventLoopGroup,
                initializer: @escaping @Sendable (Channel, PeerEndpoint?) -> EventLoopFuture<Void>)
        -> EventLoopFuture<Channel> {
        socket.bind(host: host, port: port).map { channel in
            socket.startAccepting(initializer: initializer)
            return channel
        }
    }

    /// `timeout` does not apply: a SYN without an answer gives up after 1 s by itself.
    func connect(to endpoint: PeerEndpoint, on loop: EventLoop, timeout: TimeAmount,
                 initializer: @escaping @Sendable (Channel) -> EventLoopFuture<Void>) -> EventLoopFuture<Channel> {
        socket.connect(to: endpoint, initializer: initializer)
    }
}

extension UTPTransport: @unchecked Sendable {}
