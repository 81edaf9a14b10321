internal import NIOCore
internal import NIOPosix
import SwarmLogic
import TorrentCore
import WireProtocol

/// Local Service Discovery (BEP 14) over IPv4 multicast: announces the session's public
/// torrents on 239.192.152.143:6771 at start and every 5 minutes, and hands peers announced by
/// others to their torrents. Lives on the session's loop.
final class LocalDiscovery: @unchecked Sendable {
    unowned let core: SessionCore
    private var channel: Channel?
    private var ticker: RepeatedTask?
    /// Identifies our own announces when the group loops them back to us.
    let cookie: String
    private var nextAnnounce: [InfoHash: SwarmInstant] = [:]
    private var lastSend: SwarmInstant?
    static let interval: Duration = .seconds(5 * 60)
    /// At most one announce datagram this often (BEP 14 asks for restraint).
    static let minimumGap: Duration = .seconds(1)

    init(core: SessionCore) {
        self.core = core
        var generator = SystemRandomNumberGenerator()
        cookie = "rill-" + String(UInt64.random(in: 1 ... .max, using: &generator), radix: 36)
    }

    func start() -> EventLoopFuture<Void> {
        let group: SocketAddress
        do {
            group = try SocketAddress(ipAddress: LSDAnnounce.ipv4Group, port: LSDAnnounce.port)
        } catch {
            return core.loop.makeFailedFuture(error)
        }
        return DatagramBootstrap(group: core.loop)
            .channelOption(.socketOption(.so_reuseaddr), value: 1)
            .channelInitializer { [self] channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(LSDChannelHandler(discovery: self))
                }
            }
            .bind(host: "0.0.0.0", port: LSDAnnounce.port)
            .flatMap { (channel: Channel) -> EventLoopFuture<Channel> in
                guard let multicast = channel as? MulticastChannel else {
                    return channel.eventLoop.makeFailedFuture(ChannelError.operationUnsupported)
                }
                return multicast.joinGroup(group).map { channel }
            }
            .map { [self] (channel: Channel) in
                self.channel = channel
                core.log.info("local peer discovery on \(LSDAnnounce.ipv4Group):\(LSDAnnounce.port)")
                ticker = core.loop.scheduleRepeatedTask(initialDelay: .milliseconds(300), delay: .seconds(1)) { [self] _ in
                    tick()
                }
            }
    }

    func shutdown() -> EventLoopFuture<Void> {
        ticker?.cancel()
        return channel?.close() ?? core.loop.makeSucceededFuture(())
    }

    func torrentAdded(_ infoHash: InfoHash) {
        nextAnnounce[infoHash] = nil
    }

    /// Announces the torrent that has waited longest, at most one datagram per `minimumGap`.
    private func tick() {
        let now = core.now
        if let lastSend, lastSend.duration(to: now) < Self.minimumGap { return }
        guard core.listeningPort > 0, let port = UInt16(exactly: core.listeningPort) else { return }
        let wanted = core.dhtWantedTorrents().map(\.infoHash)
        for hash in nextAnnounce.keys where !wanted.contains(hash) { nextAnnounce[hash] = nil }
        let due = wanted.filter { (nextAnnounce[$0] ?? .zero) <= now }
        guard !due.isEmpty else { return }
        let batch = Array(due.prefix(8))
        for hash in batch { nextAnnounce[hash] = now.advanced(by: Self.interval) }
        lastSend = now
        send(LSDAnnounce(port: port, infoHashes: batch, cookie: cookie))
    }

    private func send(_ announce: LSDAnnounce) {
        guard let channel, let group = try? SocketAddress(ipAddress: LSDAnnounce.ipv4Group, port: LSDAnnounce.port) else {
            return
        }
        let bytes = announce.encoded()
        var buffer = channel.allocator.buffer(capacity: bytes.count)
        buffer.writeBytes(bytes)
        channel.writeAndFlush(AddressedEnvelope(remoteAddress: group, data: buffer), promise: nil)
    }

    func receive(_ bytes: [UInt8], from host: String) {
        let announce: LSDAnnounce
        do {
            announce = try LSDAnnounce(decoding: bytes)
        } catch {
            core.log.trace("LSD: dropped a datagram from \(host): \(error)")
            return
        }
        guard announce.cookie != cookie else { return }
        let peer = PeerEndpoint(host: host, port: announce.port)
        for hash in announce.infoHashes {
            guard let torrent = core.torrent(for: hash), !torrent.info.isPrivate else { continue }
            core.log.debug("LSD: \(peer) has \(hash)")
            torrent.addCandidates([peer], source: .lsd)
        }
    }
}

/// Passes each datagram on the LSD group to `LocalDiscovery`.
final class LSDChannelHandler: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    private let discovery: LocalDiscovery

    init(discovery: LocalDiscovery) {
        self.discovery = discovery
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        guard let host = envelope.remoteAddress.ipAddress else { return }
        var buffer = envelope.data
        discovery.receive(buffer.readBytes(length: buffer.readableBytes) ?? [], from: host)
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {}
}
