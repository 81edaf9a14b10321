internal import NIOCore
import SwarmLogic
import TorrentCore
import WireProtocol

/// Peer connections at the session level: the listening socket, dialling, and the caps on open
/// and half-open connections. It builds each channel's pipeline and hands the connection to the
/// torrent that owns it (for incoming peers, once their handshake names the torrent).
///
/// Two transports share the port number: TCP and, unless turned off, uTP (one UDP socket).
/// Dialling follows `TransportMemory`: what worked with the peer before; for a peer not known to
/// speak one of them, uTP with a short head start and then TCP alongside it (`TransportRace`).
/// Loop-confined.
final class ConnectionManager: @unchecked Sendable {
    private unowned let core: SessionCore
    private let transport: any PeerTransport
    private var utp: UTPTransport?
    private var server: Channel?
    private var utpServer: Channel?
    /// What worked (or what the swarm said) per peer address.
    private(set) var transports = TransportMemory()
    private(set) var listeningPort = 0
    /// Open connections (any state) and outgoing ones still connecting.
    private(set) var count = 0
    private var halfOpen = 0
    /// Of `count`, the connections that run over uTP.
    private(set) var utpCount = 0
    /// Open connections per IP address (both directions).
    private var perHost: [String: Int] = [:]
    private var nextPeerKey: UInt64 = 1
    /// Incoming connections accepted since the session started (none: the port is likely unreachable).
    private(set) var incomingAccepted = 0
    /// False when nothing listens for peers (behind a proxy).
    private(set) var acceptsIncoming = true
    private var configuration: SessionConfiguration { core.configuration }

    init(core: SessionCore, transport: any PeerTransport, utp: UTPTransport?) {
        self.core = core
        self.transport = transport
        self.utp = utp
    }

    /// The uTP socket, when uTP is on and bound.
    var utpSocket: UTPSocket? { utpServer == nil ? nil : utp?.socket }

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
        return transport.listen(host: configuration.listenHost, port: configuration.listenPort,
                                on: core.group) { [self] channel, remote in
            channel.eventLoop.makeCompletedFuture { try accept(channel, from: remote, overUTP: false) }
        }.flatMap { [self] channel in
            server = channel
            listeningPort = channel.localAddress?.port ?? configuration.listenPort
            return listenForUTP()
        }
    }

    /// Binds the uTP socket on the TCP port's number; if that fails, uTP stays off (logged).
    private func listenForUTP() -> EventLoopFuture<Void> {
        guard let utp else { return core.loop.makeSucceededFuture(()) }
        return utp.listen(host: configuration.listenHost, port: listeningPort, on: core.group) { [self] channel, remote in
            channel.eventLoop.makeCompletedFuture { try accept(channel, from: remote, overUTP: true) }
        }.map { [self] channel in
            utpServer = channel
            core.log.info("uTP on UDP \(configuration.listenHost):\(listeningPort)")
        }.recover { [self] error in
            core.log.error("uTP off: cannot use UDP \(configuration.listenHost):\(listeningPort): \(error)")
            self.utp = nil
        }
    }

    func close() -> EventLoopFuture<Void> {
        let utpClosed = utpServer == nil ? core.loop.makeSucceededFuture(()) : (utp?.socket.close() ?? core.loop.makeSucceededFuture(()))
        let tcpClosed = server?.close() ?? core.loop.makeSucceededFuture(())
        return tcpClosed.and(utpClosed).map { _ in }
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

    private func accept(_ channel: Channel, from remote: PeerEndpoint?, overUTP: Bool) throws {
        guard let remote, mayConnect(to: remote.host),
              count < configuration.maxConnections || core.evictIdlePeer()
        else {
            channel.close(promise: nil)
            return
        }
        opened(remote.host)
        incomingAccepted += 1
        let connection = PeerConnection(key: makeKey(), endpoint: remote,
                                        direction: .incoming, source: .incoming, owner: nil, context: core)
        connection.isUTP = overUTP
        // A uTP peer sends from its listening port: it can be dialled back over uTP.
        if overUTP {
            transports.worked(.utp, for: remote)
            utpCount += 1
        }
        try addHandlers(to: channel, connection: connection, encryptFor: nil)
        scheduleHandshakeTimeout(connection)
    }

    /// Dials `endpoint` for `owner`; a failure reaches the owner as `connectionFailed`.
    /// Dials `endpoint` for `owner`, offering `swarmHash` in the handshake when it is not the
    /// owner's own info-hash (a hybrid's v2 swarm).
    func dial(_ endpoint: PeerEndpoint, for owner: PeerOwner, source: PeerSource, encrypted: Bool,
              swarmHash: InfoHash? = nil) {
        guard mayConnect(to: endpoint.host) else {
            return owner.connectionFailed(endpoint, reason: "too many connections to this address")
        }
        opened(endpoint.host)
        halfOpen += 1
        let connection = PeerConnection(key: makeKey(), endpoint: endpoint, direction: .outgoing, source: source,
                                        owner: owner, swarmHash: swarmHash, context: core)
        let order = transports.order(for: endpoint, utpAvailable: utpSocket != nil)
        let finished: (Result<TransportKind, Error>) -> Void = { [self] result in
            halfOpen -= 1
            switch result {
            case .success(let kind):
                transports.worked(kind, for: endpoint)
                if kind == .utp { utpCount += 1 }
                core.log.debug("connected to \(endpoint) (learnt from \(source.rawValue)) over \(kind)")
                scheduleHandshakeTimeout(connection)
            case .failure(let error):
                released(endpoint.host)
                core.log.debug("cannot connect to \(endpoint): \(error)")
                owner.connectionFailed(endpoint, reason: NetworkErrorText.describe(error))
            }
        }
        if order == [.utp, .tcp], !transports.knows(endpoint), let utp {
            TransportRace(endpoint: endpoint, waiting: { connection.state == .connecting }, utp: utp, tcp: transport, loop: core.loop,
                          headStart: Self.utpHeadStart,
                          install: { [self] channel, kind in
                              connection.isUTP = kind == .utp
                              try addHandlers(to: channel, connection: connection,
                                              encryptFor: encrypted ? connection.swarmHash : nil)
                          },
                          log: { [core] line in core.log.debug("\(line)") },
                          done: finished).start()
        } else {
            attempt(order[...], connection: connection, encrypted: encrypted, done: finished)
        }
    }

    /// How long a new peer's uTP connection has before TCP is dialled alongside it. A peer that
    /// speaks only TCP (rtorrent, aria2, a client with uTP off) waited out uTP's 1 s SYN timeout
    /// before: a GiB from one such seeder took 2.83 s instead of 1.82 s.
    static let utpHeadStart = TimeAmount.milliseconds(250)

    /// Tries each transport in turn until one connects.
    private func attempt(_ order: ArraySlice<TransportKind>, connection: PeerConnection, encrypted: Bool,
                         done: @escaping (Result<TransportKind, Error>) -> Void) {
        guard let kind = order.first else { return done(.failure(ChannelError.connectTimeout(.seconds(0)))) }
        let infoHash = connection.swarmHash
        let chosen: any PeerTransport = kind == .utp ? (utp ?? transport) : transport
        // uTP gives up on a SYN by itself after 1 s; TCP waits 10 s.
        chosen.connect(to: connection.endpoint, on: core.loop, timeout: .seconds(10)) { [self] channel in
            channel.eventLoop.makeCompletedFuture {
                connection.isUTP = kind == .utp
                try addHandlers(to: channel, connection: connection, encryptFor: encrypted ? infoHash : nil)
            }
        }.assumeIsolated().whenComplete { [self] result in
            switch result {
            case .success:
                done(.success(kind))
            case .failure(let error):
                if order.count > 1, connection.state == .connecting {
                    core.log.debug("no \(kind) connection to \(connection.endpoint) (\(error)); trying \(order.dropFirst().first!)")
                    attempt(order.dropFirst(), connection: connection, encrypted: encrypted, done: done)
                } else {
                    done(.failure(error))
                }
            }
        }
    }

    /// A peer told us (PEX flag 0x04 set or not) which transport another peer is reached on.
    func noteTransport(_ kind: TransportKind, for endpoint: PeerEndpoint) {
        transports.heard(kind, for: endpoint)
    }



    /// A connection ended (after it was set up).
    func closed(_ connection: PeerConnection) {
        released(connection.endpoint.host)
        if connection.isUTP { utpCount -= 1 }
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
        try pipeline.addHandler(PeerStreamHandler())
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
