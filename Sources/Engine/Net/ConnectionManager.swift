internal import NIOCore
import SwarmLogic
import TorrentCore
import WireProtocol

/// Peer connections at the session level: the listening socket, dialling, and the caps on open
/// and half-open connections. It builds each channel's pipeline and hands the connection to the
/// torrent that owns it (for incoming peers, once their handshake names the torrent).
/// Loop-confined.
final class ConnectionManager: @unchecked Sendable {
    private unowned let core: SessionCore
    private let transport: any PeerTransport
    private var server: Channel?
    private(set) var listeningPort = 0
    /// Open connections (any state) and outgoing ones still connecting.
    private(set) var count = 0
    private var halfOpen = 0
    /// Open connections per IP address (both directions).
    private var perHost: [String: Int] = [:]
    private var nextPeerKey: UInt64 = 1
    /// Incoming connections accepted since the session started (none: the port is likely unreachable).
    private(set) var incomingAccepted = 0
    /// False when nothing listens for peers (behind a proxy).
    private(set) var acceptsIncoming = true
    private var configuration: SessionConfiguration { core.configuration }

    init(core: SessionCore, transport: any PeerTransport) {
        self.core = core
        self.transport = transport
    }

    /// Connections we may still open now.
    var room: Int {
        max(0, min(configuration.maxConnections - count, configuration.maxHalfOpen - halfOpen))
    }

    func listen() -> EventLoopFuture<Void> {
        if configuration.proxy != nil {
            // Through a proxy nobody can reach us, and accepting would bypass it.
            acceptsIncoming = false
            return core.loop.makeSucceededFuture(())
        }
        return transport.listen(host: configuration.listenHost, port: configuration.listenPort, on: core.group) { [self] channel in
            channel.eventLoop.makeCompletedFuture { try accept(channel) }
        }.map { [self] channel in
            server = channel
            listeningPort = channel.localAddress?.port ?? configuration.listenPort
        }
    }

    func close() -> EventLoopFuture<Void> {
        server?.close() ?? core.loop.makeSucceededFuture(())
    }

    private func makeKey() -> PeerKey {
        defer { nextPeerKey += 1 }
        return PeerKey(nextPeerKey)
    }

    /// Whether another connection to or from `host` stays within the per-address limit.
    func mayConnect(to host: String) -> Bool {
        perHost[host, default: 0] < configuration.maxConnectionsPerIP
    }

    private func opened(_ host: String) {
        count += 1
        perHost[host, default: 0] += 1
    }

    private func released(_ host: String) {
        count -= 1
        if let left = perHost[host], left > 1 { perHost[host] = left - 1 } else { perHost[host] = nil }
    }

    private func accept(_ channel: Channel) throws {
        guard let address = channel.remoteAddress, let host = address.ipAddress, let port = address.port,
              let remotePort = UInt16(exactly: port), mayConnect(to: host),
              count < configuration.maxConnections || core.evictIdlePeer()
        else {
            channel.close(promise: nil)
            return
        }
        opened(host)
        incomingAccepted += 1
        let connection = PeerConnection(key: makeKey(), endpoint: PeerEndpoint(host: host, port: remotePort),
                                        direction: .incoming, source: .incoming, owner: nil, context: core)
        try addHandlers(to: channel, connection: connection, encryptFor: nil)
        scheduleHandshakeTimeout(connection)
    }

    /// Dials `endpoint` for `owner`; a failure reaches the owner as `connectionFailed`.
    func dial(_ endpoint: PeerEndpoint, for owner: PeerOwner, source: PeerSource, encrypted: Bool) {
        guard mayConnect(to: endpoint.host) else {
            return owner.connectionFailed(endpoint, reason: "too many connections to this address")
        }
        opened(endpoint.host)
        halfOpen += 1
        let connection = PeerConnection(key: makeKey(), endpoint: endpoint, direction: .outgoing, source: source,
                                        owner: owner, context: core)
        let infoHash = owner.infoHash
        transport.connect(to: endpoint, on: core.loop, timeout: .seconds(10)) { [self] channel in
            channel.eventLoop.makeCompletedFuture {
                try addHandlers(to: channel, connection: connection, encryptFor: encrypted ? infoHash : nil)
            }
        }.assumeIsolated().whenComplete { [self] result in
            halfOpen -= 1
            switch result {
            case .success:
                core.log.debug("connected to \(endpoint) (learnt from \(source.rawValue))")
                scheduleHandshakeTimeout(connection)
            case .failure(let error):
                released(endpoint.host)
                core.log.debug("cannot connect to \(endpoint): \(error)")
                owner.connectionFailed(endpoint, reason: NetworkErrorText.describe(error))
            }
        }
    }

    /// A connection ended (after it was set up).
    func closed(_ connection: PeerConnection) {
        released(connection.endpoint.host)
    }

    private func addHandlers(to channel: Channel, connection: PeerConnection, encryptFor infoHash: InfoHash?) throws {
        let pipeline = channel.pipeline.syncOperations
        if connection.direction == .incoming {
            try pipeline.addHandler(EncryptionHandler(
                incoming: connection, policy: configuration.encryption,
                knownTorrents: { [core] in core.registry.allInfoHashes }))
        } else if let infoHash {
            try pipeline.addHandler(EncryptionHandler(outgoing: connection, infoHash: infoHash,
                                                      policy: configuration.encryption))
        }
        try pipeline.addHandler(ByteToMessageHandler(PeerStreamDecoder()))
        try pipeline.addHandler(PeerChannelHandler(connection: connection))
    }

    private func scheduleHandshakeTimeout(_ connection: PeerConnection) {
        core.loop.scheduleTask(in: .seconds(20)) {
            if connection.state == .handshaking || connection.state == .connecting {
                connection.close(reason: "no handshake within 20 s")
            }
        }
    }

    /// True for an address that is this session itself (trackers list the announcer too).
    func isOwnAddress(_ endpoint: PeerEndpoint) -> Bool {
        guard Int(endpoint.port) == listeningPort else { return false }
        return endpoint.host == configuration.listenHost || endpoint.host.hasPrefix("127.") || endpoint.host == "::1"
            || configuration.listenHost == "0.0.0.0" || configuration.listenHost == "::"
    }
}
