import Logging
internal import NIOCore
internal import NIOPosix
import SwarmLogic
import TorrentCore
import WireProtocol

#if canImport(Glibc)
import Glibc
#endif

/// The one UDP socket that carries every uTP connection (BEP 29), bound to the BitTorrent listen
/// port; the IPv4 DHT node shares it when it uses the same port (its default, as libtorrent
/// does): KRPC datagrams start with `d` (a bencoded dictionary), which no uTP header does
/// (its low nibble is the version, 1). It demultiplexes datagrams by sender address and connection id,
/// so a bad datagram is dropped (or answered with ST_RESET) without touching any other
/// connection; it ticks every connection's timers and batches per read burst: the bytes each
/// connection completed go up its stream in one write, and what the connections send (one ack
/// for the burst, not one per packet) goes out in one flush (NIO reads up to 32 datagrams per
/// `recvmmsg` and writes pending datagrams with `sendmmsg`).
/// Loop-confined.
final class UTPSocket: @unchecked Sendable {
    /// Connections are found by who sent the datagram and the id it carries.
    struct Key: Hashable, Sendable {
        var host: String
        var port: Int
        var connectionID: UInt16
    }

    static let tickInterval = TimeAmount.milliseconds(50)
    /// Datagrams taken per `recvmmsg`, and the read slice of each: a datagram that fills its slice
    /// may have been cut and is dropped (path MTU probing keeps rill's own below it, 9,000-byte
    /// jumbo frames fit).
    static let datagramsPerRead = 32
    static let maxDatagram = 9216
    /// ST_RESET replies to stray datagrams, at most this many per tick (no amplification).
    static let resetsPerTick = 20

    let loop: EventLoop
    private let now: () -> SwarmInstant
    private let log: Logger
    private let configuration: UTPConnection.Configuration
    private let maxStreams: Int
    private var random = SystemRandomNumberGenerator()
    private var channel: Channel?
    private var streams: [Key: UTPStream] = [:]
    private var dirty: [Key: UTPStream] = [:]
    private var timer: RepeatedTask?
    private var resetsLeft = UTPSocket.resetsPerTick
    private var lastSender: (address: SocketAddress, host: String, port: Int)?
    private let ceiling = UTPPacketSizeCeiling(datagramLimit: UTPSocket.maxDatagram)
    private var isIPv6 = false
    /// Builds the pipeline of an incoming connection; nil while not accepting.
    private var acceptInitializer: (@Sendable (Channel, PeerEndpoint?) -> EventLoopFuture<Void>)?
    /// Where datagrams that are not uTP go (the DHT node sharing the socket).
    var otherDatagrams: ((ByteBuffer, SocketAddress) -> Void)?
    /// The bound socket, for a DHT node that shares it.
    var datagramChannel: Channel? { channel }
    /// Datagrams that were not uTP packets, for the log.
    private(set) var malformed = 0

    init(loop: EventLoop, now: @escaping () -> SwarmInstant, log: Logger, maxStreams: Int,
         configuration: UTPConnection.Configuration = .init()) {
        self.loop = loop
        self.now = now
        self.log = log
        self.maxStreams = maxStreams
        self.configuration = configuration
    }

    var openConnections: Int { streams.count }

    // MARK: - Socket

    /// Binds the socket. On an IPv6 address it takes IPv6 only, so that on `::` the IPv4 DHT
    /// node keeps its own IPv4 socket on the port (and uTP there is IPv6-only).
    func bind(host: String, port: Int) -> EventLoopFuture<Channel> {
        isIPv6 = host.contains(":")
        var bootstrap = DatagramBootstrap(group: loop)
        if isIPv6 {
            bootstrap = bootstrap.channelOption(ChannelOptions.Types.SocketOption(level: .ipv6, name: .ipv6_v6only),
                                                value: 1)
        }
        return bootstrap
            .channelOption(.socketOption(.so_reuseaddr), value: 1)
            .channelOption(.datagramVectorReadMessageCount, value: Self.datagramsPerRead)
            .channelOption(.maxMessagesPerRead, value: 4)
            // A vector read splits the buffer evenly between its datagrams: 2 KiB each.
            .channelOption(.recvAllocator,
                           value: FixedSizeRecvByteBufferAllocator(capacity: Self.datagramsPerRead * Self.maxDatagram))
            .channelOption(.socketOption(.so_rcvbuf), value: 4 << 20)
            .channelOption(.socketOption(.so_sndbuf), value: 4 << 20)
            // Ordinary packets may fragment; only path MTU probes go with "don't fragment".
            .channelOption(mtuDiscovery, value: SocketOptionValue(IP_PMTUDISC_DONT))
            .channelInitializer { [self] channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(UTPDatagramHandler(socket: self))
                }
            }
            .bind(host: host, port: port)
            .map { [self] channel in
                self.channel = channel
                timer = loop.scheduleRepeatedTask(initialDelay: Self.tickInterval, delay: Self.tickInterval) { [self] _ in
                    tick()
                }
                return channel
            }
    }

    /// Accepts incoming connections: each gets a pipeline made by `initializer`.
    func startAccepting(initializer: @escaping @Sendable (Channel, PeerEndpoint?) -> EventLoopFuture<Void>) {
        acceptInitializer = initializer
    }

    func close() -> EventLoopFuture<Void> {
        timer?.cancel()
        acceptInitializer = nil
        for stream in Array(streams.values) { stream.applicationClosed() }
        return channel?.close() ?? loop.makeSucceededFuture(())
    }

    // MARK: - Connecting

    /// Opens a uTP connection to `endpoint`; the future gets the pipeline's channel once the
    /// peer answered the SYN (or fails after 1 s without an answer).
    func connect(to endpoint: PeerEndpoint,
                 initializer: @escaping @Sendable (Channel) -> EventLoopFuture<Void>) -> EventLoopFuture<Channel> {
        guard channel != nil else { return loop.makeFailedFuture(ChannelError.ioOnClosedChannel) }
        guard streams.count < maxStreams else { return loop.makeFailedFuture(ChannelError.connectPending) }
        let address: SocketAddress
        do {
            address = try SocketAddress(ipAddress: endpoint.host, port: Int(endpoint.port))
        } catch {
            return loop.makeFailedFuture(error)
        }
        var receiveID = UInt16.random(in: 0...UInt16.max, using: &random)
        for _ in 0..<16 where streams[key(endpoint, receiveID)] != nil || streams[key(endpoint, receiveID &+ 1)] != nil {
            receiveID = .random(in: 0...UInt16.max, using: &random)
        }
        let key = key(endpoint, receiveID)
        guard streams[key] == nil else { return loop.makeFailedFuture(ChannelError.connectPending) }
        let connection = UTPConnection(connectingWith: receiveID, initialSequence: .random(in: 0...UInt16.max, using: &random),
                                       at: now(), configuration: settings(towards: endpoint.host))
        let stream = UTPStream(key: key, remote: address, connection: connection, socket: self)
        let promise = loop.makePromise(of: Channel.self)
        stream.awaitConnection(promise, initializer: initializer)
        streams[key] = stream
        send(stream)
        flushChannel()
        return promise.futureResult
    }

    /// The connection settings for a peer at `host`, with its path MTU probing ceiling.
    private func settings(towards host: String) -> UTPConnection.Configuration {
        var settings = configuration
        if settings.packetSizeCeiling <= settings.packetSize {
            settings.packetSizeCeiling = ceiling.payload(towards: host)
        }
        return settings
    }

    private func key(_ endpoint: PeerEndpoint, _ id: UInt16) -> Key {
        Key(host: endpoint.host, port: Int(endpoint.port), connectionID: id)
    }

    // MARK: - Datagrams in

    func received(_ datagram: ByteBuffer, from address: SocketAddress) {
        guard let (host, port) = sender(address) else { return }
        if datagram.readableBytes > 0, datagram.getInteger(at: datagram.readerIndex, as: UInt8.self) == UInt8(ascii: "d") {
            otherDatagrams?(datagram, address)
            return
        }
        guard datagram.readableBytes < Self.maxDatagram else {
            malformed += 1   // filled its read slice: maybe cut short
            return
        }
        let packet: UTPPacket
        do {
            packet = try UTPPacket(decoding: datagram.readableBytesView)
        } catch {
            malformed += 1
            return
        }
        let at = now()
        if packet.type == .syn {
            let key = Key(host: host, port: port, connectionID: packet.connectionID &+ 1)
            if let stream = streams[key] {
                stream.receive(packet, at: at)
                dirty[key] = stream
            } else {
                acceptIncoming(packet, key: key, from: address, at: at)
            }
            return
        }
        let key = Key(host: host, port: port, connectionID: packet.connectionID)
        guard let stream = streams[key] else {
            if packet.type != .reset { sendReset(answering: packet, to: address) }
            return
        }
        stream.receive(packet, at: at)
        dirty[key] = stream
    }

    /// The sender's host and port; a burst mostly comes from one peer, so the last is kept
    /// (formatting the address is the costliest step per datagram after copying the payload).
    private func sender(_ address: SocketAddress) -> (host: String, port: Int)? {
        if let last = lastSender, last.address == address { return (last.host, last.port) }
        guard let host = address.ipAddress, let port = address.port else { return nil }
        lastSender = (address, host, port)
        return (host, port)
    }

    private func acceptIncoming(_ syn: UTPPacket, key: Key, from address: SocketAddress, at: SwarmInstant) {
        guard let acceptInitializer, streams.count < maxStreams, let port = UInt16(exactly: key.port) else { return }
        let connection = UTPConnection(accepting: syn, initialSequence: .random(in: 0...UInt16.max, using: &random),
                                       at: at, configuration: settings(towards: key.host))
        let stream = UTPStream(key: key, remote: address, connection: connection, socket: self)
        streams[key] = stream
        dirty[key] = stream
        let endpoint = PeerEndpoint(host: key.host, port: port)
        stream.openStream(initializer: { channel in acceptInitializer(channel, endpoint) }, on: loop)
            .assumeIsolated().whenFailure { [self] error in
                log.debug("uTP: cannot open a stream for \(endpoint): \(error)")
                stream.applicationClosed()
            }
    }

    private func sendReset(answering packet: UTPPacket, to address: SocketAddress) {
        guard resetsLeft > 0, let channel else { return }
        resetsLeft -= 1
        let reset = UTPPacket(type: .reset, connectionID: packet.connectionID, timestamp: UTPClock.timestamp(now()),
                              sequenceNumber: UInt16.random(in: 0...UInt16.max, using: &random),
                              ackNumber: packet.sequenceNumber)
        write(reset, to: address, on: channel)
    }

    /// The end of a read burst: everything the touched connections want to send goes out at once.
    func readComplete() {
        let touched = dirty
        dirty.removeAll(keepingCapacity: true)
        for stream in touched.values {
            stream.deliverPending()
            transmit(stream)
        }
        flushChannel()
    }

    // MARK: - Datagrams out

    /// Sends what `stream` has ready now.
    func send(_ stream: UTPStream) {
        transmit(stream)
        flushChannel()
    }

    private func transmit(_ stream: UTPStream) {
        guard let channel else { return }
        for packet in stream.flush(at: now()) {
            if packet.type == .data, packet.sequenceNumber == stream.connection.probeSequence {
                sendProbe(packet, of: stream, on: channel)
            } else {
                write(packet, to: stream.remote, on: channel)
            }
        }
    }

    private func write(_ packet: UTPPacket, to address: SocketAddress, on channel: Channel,
                       promise: EventLoopPromise<Void>? = nil) {
        var buffer = channel.allocator.buffer(capacity: packet.encodedLength)
        packet.encode(into: &buffer)
        channel.write(AddressedEnvelope(remoteAddress: address, data: buffer), promise: promise)
    }

    // MARK: - Path MTU probes

    /// `IP_MTU_DISCOVER` (or `IPV6_MTU_DISCOVER`) for the bound family.
    private var mtuDiscovery: ChannelOptions.Types.SocketOption {
        isIPv6 ? .init(level: .ipv6, name: .init(rawValue: IPV6_MTU_DISCOVER))
            : .init(level: .ip, name: .init(rawValue: IP_MTU_DISCOVER))
    }

    /// Sends a path MTU probe with "don't fragment" (`IP_PMTUDISC_PROBE`: the kernel neither
    /// fragments it nor applies its own path MTU guess): the datagrams before it are flushed
    /// first and the socket goes back to fragmenting after it. A probe larger than the interface
    /// allows fails at once with EMSGSIZE, which lowers the connection's ceiling and resends it.
    private func sendProbe(_ packet: UTPPacket, of stream: UTPStream, on channel: Channel) {
        channel.flush()
        let options = channel.syncOptions
        try? options?.setOption(mtuDiscovery, value: SocketOptionValue(IP_PMTUDISC_PROBE))
        let promise = loop.makePromise(of: Void.self)
        write(packet, to: stream.remote, on: channel, promise: promise)
        channel.flush()
        try? options?.setOption(mtuDiscovery, value: SocketOptionValue(IP_PMTUDISC_DONT))
        promise.futureResult.assumeIsolated().whenFailure { [self] error in
            guard (error as? ChannelError) == .writeMessageTooLarge, !stream.isClosed else { return }
            stream.probeTooBig(sequenceNumber: packet.sequenceNumber)
            send(stream)
        }
    }

    private func flushChannel() {
        channel?.flush()
    }

    private func tick() {
        resetsLeft = Self.resetsPerTick
        let at = now()
        for stream in Array(streams.values) {
            stream.tick(at: at)
            transmit(stream)
        }
        flushChannel()
    }

    /// Forgets a closed stream (a read burst still flushes its last ack, if any).
    func remove(_ stream: UTPStream) {
        if streams[stream.key] === stream { streams[stream.key] = nil }
    }
}

/// The UDP socket's one handler: datagrams to the `UTPSocket`; a read burst's end flushes.
final class UTPDatagramHandler: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    private let socket: UTPSocket

    init(socket: UTPSocket) {
        self.socket = socket
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        socket.received(envelope.data, from: envelope.remoteAddress)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        socket.readComplete()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        // ICMP port unreachable and the like: the socket stays usable.
    }
}
