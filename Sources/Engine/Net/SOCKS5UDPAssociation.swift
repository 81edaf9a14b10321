internal import NIOCore
internal import NIOPosix
import WireProtocol

/// A UDP association with a SOCKS5 proxy (RFC 1928 section 7): a TCP control connection that
/// asked for UDP ASSOCIATE and must stay open, and the relay address the proxy gave for the
/// datagrams. Closing either end ends the association.
final class SOCKS5UDPAssociation: Sendable {
    /// The TCP connection that holds the association open.
    let control: any Channel
    /// Where every datagram goes, wrapped in `SOCKS5UDPDatagram`'s header.
    let relay: SocketAddress
    /// The local IP the proxy sees the control connection come from: UDP sockets bind to it, since
    /// a relay takes datagrams only from its client's address.
    let localHost: String

    private init(control: any Channel, relay: SocketAddress, localHost: String) {
        self.control = control
        self.relay = relay
        self.localHost = localHost
    }

    /// Asks `proxy` for a UDP association. Fails with the proxy's reason when it refuses
    /// (`commandNotSupported` from proxies that relay TCP only).
    static func open(proxy: SOCKS5Proxy, on loop: any EventLoop, timeout: TimeAmount = .seconds(10))
        -> EventLoopFuture<SOCKS5UDPAssociation> {
        let established = loop.makePromise(of: SOCKS5BoundAddress.self)
        let credentials = proxy.credentials
        let connected = ClientBootstrap(group: loop)
            .connectTimeout(timeout)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    // All zeros: the datagrams' source is not known yet (RFC 1928 section 7).
                    let handshake = SOCKS5ClientHandshake(command: .udpAssociate, target: .ipv4([0, 0, 0, 0]), port: 0,
                                                          credentials: credentials)
                    try channel.pipeline.syncOperations.addHandler(
                        SOCKS5ConnectHandler(handshake: handshake, established: established, timeout: timeout))
                }
            }
            .connect(host: proxy.host, port: proxy.port)
        connected.whenFailure { established.fail($0) }
        return connected.flatMap { channel in
            established.futureResult.flatMapThrowing { bound in
                guard let proxyIP = channel.remoteAddress?.ipAddress, let localIP = channel.localAddress?.ipAddress else {
                    throw SOCKS5Error.malformed("the control connection has no address")
                }
                // A relay at "any address" (0.0.0.0 or ::) means the proxy's own address.
                let relayHost: String
                switch bound.address {
                case .ipv4(let bytes) where bytes.allSatisfy { $0 == 0 }: relayHost = proxyIP
                case .ipv6(let bytes) where bytes.allSatisfy { $0 == 0 }: relayHost = proxyIP
                case .ipv4, .ipv6: relayHost = bound.address.description
                case .domain: throw SOCKS5Error.malformed("a relay named by host name")
                }
                let relay = try SocketAddress(ipAddress: relayHost, port: Int(bound.port))
                return SOCKS5UDPAssociation(control: channel, relay: relay, localHost: localIP)
            }.flatMapErrorThrowing { error in
                channel.close(promise: nil)
                throw error
            }
        }
    }

    /// Ends the association (the proxy drops the relay when the control connection closes).
    func close() {
        control.close(promise: nil)
    }
}

/// The first handler of a UDP channel whose datagrams all go through a SOCKS5 relay: each
/// outgoing envelope is wrapped with its destination and sent to the relay (or, with a fixed
/// `target`, to that destination whatever the envelope says: a tracker named by host name, which
/// the proxy resolves); each datagram from the relay is unwrapped and passed on as if it came
/// from its real sender. Datagrams from anywhere else, and fragments, are dropped. The channel
/// closing ends the association.
final class SOCKS5UDPRelayHandler: ChannelDuplexHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    typealias InboundOut = AddressedEnvelope<ByteBuffer>
    typealias OutboundIn = AddressedEnvelope<ByteBuffer>
    typealias OutboundOut = AddressedEnvelope<ByteBuffer>

    private let association: SOCKS5UDPAssociation
    private let target: (address: SOCKS5Address, port: UInt16)?
    /// Datagrams dropped: not from the relay, fragmented, or with a header that does not parse.
    private(set) var dropped = 0

    init(association: SOCKS5UDPAssociation, target: (address: SOCKS5Address, port: UInt16)? = nil) {
        self.association = association
        self.target = target
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let envelope = unwrapOutboundIn(data)
        let destination: (address: SOCKS5Address, port: UInt16)
        if let target {
            destination = target
        } else {
            guard let ip = envelope.remoteAddress.ipAddress, let address = SOCKS5Address(host: ip),
                  let port = envelope.remoteAddress.port.flatMap(UInt16.init(exactly:)) else {
                promise?.fail(SOCKS5Error.malformed("a datagram to \(envelope.remoteAddress)"))
                return
            }
            destination = (address, port)
        }
        let wrapped = SOCKS5UDPDatagram.encode(target: destination.address, port: destination.port,
                                               payload: envelope.data.readableBytesView)
        let buffer = context.channel.allocator.buffer(bytes: wrapped)
        context.write(wrapOutboundOut(AddressedEnvelope(remoteAddress: association.relay, data: buffer)), promise: promise)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var envelope = unwrapInboundIn(data)
        let relay = association.relay
        guard envelope.remoteAddress.ipAddress == relay.ipAddress, envelope.remoteAddress.port == relay.port,
              let header = SOCKS5UDPDatagram.decode(envelope.data.readableBytesView) else {
            dropped += 1
            return
        }
        let source: SocketAddress
        switch header.source {
        case .ipv4, .ipv6:
            guard let address = try? SocketAddress(ipAddress: header.source.description, port: Int(header.port)) else {
                dropped += 1
                return
            }
            source = address
        case .domain:
            // Only a fixed target is ever named; its replies come from it.
            source = relay
        }
        envelope.data.moveReaderIndex(forwardBy: header.payloadOffset)
        context.fireChannelRead(wrapInboundOut(AddressedEnvelope(remoteAddress: source, data: envelope.data)))
    }

    func channelInactive(context: ChannelHandlerContext) {
        association.close()
        context.fireChannelInactive()
    }
}
