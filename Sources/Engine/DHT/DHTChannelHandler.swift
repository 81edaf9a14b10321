internal import NIOCore
import TorrentCore

/// Passes each datagram of the DHT socket to its node; runs on the session's loop.
final class DHTChannelHandler: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>

    private let node: DHTNode

    init(node: DHTNode) {
        self.node = node
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        guard let host = envelope.remoteAddress.ipAddress, let port = envelope.remoteAddress.port,
              let udpPort = UInt16(exactly: port), udpPort > 0 else { return }
        var buffer = envelope.data
        let bytes = buffer.readBytes(length: buffer.readableBytes) ?? []
        node.receive(bytes, from: PeerEndpoint(host: host, port: udpPort))
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        // ICMP unreachable and the like arrive here; a UDP socket stays usable.
        node.core.log.debug("DHT socket: \(error)")
    }
}
