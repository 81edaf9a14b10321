internal import NIOCore

/// The one handler of a UDP socket (the DHT's, LSD's): hands each datagram to its owner as bytes
/// with the sender's address; errors (ICMP unreachable and the like) leave the socket usable.
final class DatagramHandler: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>

    private let receive: (_ bytes: [UInt8], _ host: String, _ port: Int?) -> Void
    private let failed: (Error) -> Void

    init(receive: @escaping (_ bytes: [UInt8], _ host: String, _ port: Int?) -> Void,
         failed: @escaping (Error) -> Void = { _ in }) {
        self.receive = receive
        self.failed = failed
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        guard let host = envelope.remoteAddress.ipAddress else { return }
        var buffer = envelope.data
        receive(buffer.readBytes(length: buffer.readableBytes) ?? [], host, envelope.remoteAddress.port)
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        failed(error)
    }
}

extension Channel {
    /// Sends `bytes` as one datagram to `address`.
    func sendDatagram(_ bytes: [UInt8], to address: SocketAddress) {
        var buffer = allocator.buffer(capacity: bytes.count)
        buffer.writeBytes(bytes)
        writeAndFlush(AddressedEnvelope(remoteAddress: address, data: buffer), promise: nil)
    }
}
