internal import NIOCore
internal import NIOPosix
import SwarmLogic
import TorrentCore
import WireProtocol

/// Local Service Discovery (BEP 14): announces the session's public torrents on
/// 239.192.152.143:6771 (and [ff15::efc0:988f]:6771 where the host has IPv6 multicast) at start
/// and every 5 minutes, and hands peers announced by others to their torrents. Lives on the
/// session's loop.
final class LocalDiscovery: @unchecked Sendable {
    unowned let core: SessionCore
    /// The joined sockets with their groups: IPv4, and IPv6 when available.
    private var channels: [(channel: Channel, group: SocketAddress, host: String)] = []
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

    /// Joins the IPv4 group (and the IPv6 one where possible); fails only when neither works.
    func start() -> EventLoopFuture<Void> {
        let v4 = join(bindHost: "0.0.0.0", group: LSDAnnounce.ipv4Group, hostHeader: "\(LSDAnnounce.ipv4Group):\(LSDAnnounce.port)")
        let v6 = join(bindHost: "::", group: LSDAnnounce.ipv6Group, hostHeader: "[\(LSDAnnounce.ipv6Group)]:\(LSDAnnounce.port)")
        return v4.and(v6).flatMapThrowing { [self] v4Error, v6Error in
            if let v6Error { core.log.debug("LSD over IPv6 off: \(v6Error)") }
            if let v4Error {
                core.log.info("LSD over IPv4 off: \(v4Error)")
                if let v6Error { throw v6Error }
            }
            ticker = core.loop.scheduleRepeatedTask(initialDelay: .milliseconds(300), delay: .seconds(1)) { [self] _ in
                tick()
            }
        }
    }

    /// Binds port 6771 on `bindHost` and joins `group`; the future holds the error, if any.
    private func join(bindHost: String, group groupText: String, hostHeader: String) -> EventLoopFuture<Error?> {
        let group: SocketAddress
        do {
            group = try SocketAddress(ipAddress: groupText, port: LSDAnnounce.port)
        } catch {
            return core.loop.makeSucceededFuture(error)
        }
        var bootstrap = DatagramBootstrap(group: core.loop)
            .channelOption(.socketOption(.so_reuseaddr), value: 1)
        if bindHost == "::" {
            bootstrap = bootstrap.channelOption(ChannelOptions.Types.SocketOption(level: .ipv6, name: .ipv6_v6only),
                                                value: 1)
        }
        return bootstrap
            .channelInitializer { [self] channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(DatagramHandler(receive: { [self] bytes, host, _ in
                        receive(bytes, from: host)
                    }))
                }
            }
            .bind(host: bindHost, port: LSDAnnounce.port)
            .flatMap { (channel: Channel) -> EventLoopFuture<Channel> in
                guard let multicast = channel as? MulticastChannel else {
                    channel.close(promise: nil)
                    return channel.eventLoop.makeFailedFuture(ChannelError.operationUnsupported)
                }
                return multicast.joinGroup(group).map { channel }.flatMapErrorThrowing { error in
                    channel.close(promise: nil)
                    throw error
                }
            }
            .map { [self] (channel: Channel) -> Error? in
                channels.append((channel, group, hostHeader))
                core.log.info("local peer discovery on \(hostHeader)")
                return nil
            }
            .recover { $0 }
    }

    func shutdown() -> EventLoopFuture<Void> {
        ticker?.cancel()
        let closes = channels.map { $0.channel.close() }
        channels = []
        return EventLoopFuture.andAllComplete(closes, on: core.loop)
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
        let announce = LSDAnnounce(port: port, infoHashes: batch, cookie: cookie)
        for (channel, group, host) in channels {
            channel.sendDatagram(announce.encoded(host: host), to: group)
        }
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
            if let torrent = core.torrent(for: hash), torrent.info.isPrivate { continue }
            if core.addCandidates([peer], to: hash, source: .lsd) { core.log.debug("LSD: \(peer) has \(hash)") }
        }
    }
}
