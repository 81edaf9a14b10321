import Bencode
import EngineAPI
import Foundation
internal import NIOCore
internal import NIOPosix
import SwarmLogic
import TorrentCore
import WireProtocol

/// The session's Mainline DHT node (BEP 5) on one UDP socket of one address family; with IPv6
/// (BEP 32) a second node with its own table runs beside the IPv4 one. It lives on the session's
/// event loop: every method must be called there. It answers queries (rate-limited), keeps the
/// routing table, and looks up peers for the session's public torrents.
final class DHTNode: @unchecked Sendable {
    unowned let core: SessionCore
    let settings: DHTSettings
    /// IPv4 (`nodes`) or IPv6 (`nodes6`).
    let family: PeerAddressFamily
    /// Where this node's routing table is saved.
    private let stateFile: String?
    private(set) var ownID: NodeID
    private(set) var table: RoutingTable
    private var channel: Channel?
    /// True when the socket talks only to a SOCKS5 proxy's UDP relay.
    private var relayed = false
    /// The uTP socket this node shares, when it does.
    private var sharedSocket: UTPSocket?
    private(set) var port = 0
    private var tokens = TokenIssuer()
    private var store = PeerStore()
    private var limiter = ReplyRateLimiter()
    private var pending: [UInt16: PendingQuery] = [:]
    private var nextTransaction = UInt16.random(in: .min ... .max)
    private var lookups: [Int: ActiveLookup] = [:]
    private var nextLookupID = 0
    /// When each torrent's next get_peers lookup is due.
    private var nextPeerLookup: [InfoHash: SwarmInstant] = [:]
    private var bootstrapEndpoints: [PeerEndpoint] = []
    /// Nodes from the saved state, tried first.
    private var savedNodes: [CompactNode] = []
    private var bootstrappedAt: SwarmInstant?
    private var lastBootstrapAttempt: SwarmInstant?
    private var ticker: RepeatedTask?

    /// Queries in flight at once, across all lookups and pings.
    static let maxInFlight = 64
    static let queryTimeout: Duration = .seconds(4)
    /// Time between two get_peers lookups for a torrent with 10 or more peers, and with fewer.
    static let peerLookupInterval: Duration = .seconds(15 * 60)
    static let hungryLookupInterval: Duration = .seconds(5 * 60)
    /// A torrent without any peer asks again this soon.
    static let starvingLookupInterval: Duration = .seconds(30)
    static let clientVersion = Array("RL".utf8) + [0, 1]

    struct PendingQuery {
        var endpoint: PeerEndpoint
        var sentAt: SwarmInstant
        var lookup: Int?
        var method: String
    }

    enum Purpose {
        case bootstrap
        case refresh
        case getPeers(InfoHash)
    }

    struct ActiveLookup {
        var lookup: Lookup
        var purpose: Purpose
    }

    init(core: SessionCore, settings: DHTSettings, family: PeerAddressFamily) {
        self.core = core
        self.settings = settings
        self.family = family
        stateFile = settings.stateFile.map { family == .ipv4 ? $0 : $0 + ".ipv6" }
        var generator = SystemRandomNumberGenerator()
        var id = NodeID.random(using: &generator)
        if let path = stateFile, let state = DHTState.load(from: path) {
            id = state.id
            savedNodes = state.nodes
        }
        ownID = id
        table = RoutingTable(ownID: id, now: core.now)
    }

    // MARK: - Start and stop

    /// Binds the UDP socket and starts joining the DHT. With `shared` (the uTP socket on the same
    /// address and port), the node sends on it and gets its non-uTP datagrams instead.
    ///
    /// With `association` (behind a SOCKS5 proxy), every datagram goes through the proxy's relay
    /// and bootstrap nodes must be IP literals (a name would need a DNS query outside the proxy).
    func start(host: String, port requested: Int, shared: UTPSocket? = nil,
               through association: SOCKS5UDPAssociation? = nil) -> EventLoopFuture<Void> {
        relayed = association != nil
        if let shared, let channel = shared.datagramChannel {
            sharedSocket = shared
            shared.otherDatagrams = { [self] buffer, address in
                guard let host = address.ipAddress, let port = address.port.flatMap(UInt16.init(exactly:)), port > 0
                else { return }
                receive(Array(buffer.readableBytesView), from: PeerEndpoint(host: host, port: port))
            }
            return joined(channel, host: host, requested: requested, how: "sharing uTP's socket")
        }
        var bootstrap = DatagramBootstrap(group: core.loop)
            .channelOption(.socketOption(.so_reuseaddr), value: 1)
        if family == .ipv6 {
            // The IPv4 node owns IPv4 traffic on the same port number.
            bootstrap = bootstrap.channelOption(ChannelOptions.Types.SocketOption(level: .ipv6, name: .ipv6_v6only),
                                                value: 1)
        }
        return bootstrap
            .channelInitializer { [self] channel in
                channel.eventLoop.makeCompletedFuture {
                    if let association {
                        try channel.pipeline.syncOperations.addHandler(SOCKS5UDPRelayHandler(association: association))
                    }
                    try channel.pipeline.syncOperations.addHandler(DatagramHandler(
                        receive: { [self] bytes, host, port in
                            guard let port, let udpPort = UInt16(exactly: port), udpPort > 0 else { return }
                            receive(bytes, from: PeerEndpoint(host: host, port: udpPort))
                        },
                        failed: { [self] error in core.log.debug("DHT socket: \(error)") }))
                }
            }
            .bind(host: host, port: requested)
            .flatMap { [self] channel in
                if let association {
                    association.control.closeFuture.whenComplete { [self] _ in
                        core.log.warning("DHT off: the SOCKS5 proxy closed its UDP association")
                        channel.close(promise: nil)
                    }
                }
                return joined(channel, host: host, requested: requested,
                              how: association.map { "through the proxy's UDP relay \($0.relay)" } ?? "")
            }
    }

    private func joined(_ channel: Channel, host: String, requested: Int, how: String) -> EventLoopFuture<Void> {
        self.channel = channel
        port = channel.localAddress?.port ?? requested
        core.log.info("DHT node \(ownID) on UDP \(host):\(port)\(how.isEmpty ? "" : " (\(how))")")
        ticker = core.loop.scheduleRepeatedTask(initialDelay: .milliseconds(200), delay: .milliseconds(500)) {
            [self] _ in tick()
        }
        return resolveBootstrapNodes()
    }

    /// Turns the configured `HOST:PORT` strings into addresses, off the event loop (names need DNS).
    private func resolveBootstrapNodes() -> EventLoopFuture<Void> {
        let texts = settings.bootstrapNodes
        let family = self.family
        let relayed = self.relayed
        return core.diskPool.runIfActive(eventLoop: core.loop) { () -> [PeerEndpoint] in
            var out: [PeerEndpoint] = []
            for text in texts {
                guard let endpoint = PeerEndpoint(parsing: text) else { continue }
                if IPAddressText.parseIPv4(endpoint.host) != nil {
                    if family == .ipv4 { out.append(endpoint) }
                } else if IPAddressText.parseIPv6(endpoint.host) != nil {
                    if family == .ipv6 { out.append(endpoint) }
                } else if !relayed, let ip = HostResolver.addresses(of: endpoint.host, family: family).first {
                    out.append(PeerEndpoint(host: ip, port: endpoint.port))
                }
            }
            return out
        }.map { [self] endpoints in
            bootstrapEndpoints = endpoints
            if relayed, endpoints.count < settings.bootstrapNodes.count {
                core.log.info("DHT: bootstrap nodes named by host name are skipped behind the proxy (no DNS around it)")
            }
            if endpoints.isEmpty && !settings.bootstrapNodes.isEmpty {
                core.log.info("DHT (\(family)): none of the bootstrap nodes has an address of this family")
            }
            bootstrap()
        }.recover { [self] error in
            core.log.warning("DHT: cannot resolve bootstrap nodes: \(error)")
        }
    }

    /// Saves the routing table and closes the socket.
    func shutdown() -> EventLoopFuture<Void> {
        ticker?.cancel()
        if let path = stateFile {
            let state = DHTState(id: ownID, nodes: table.entries.map(\.node))
            do { try state.save(to: path) } catch { core.log.warning("DHT: cannot save state to \(path): \(error)") }
        }
        if sharedSocket != nil { return core.loop.makeSucceededFuture(()) }   // uTP closes it
        return channel?.close() ?? core.loop.makeSucceededFuture(())
    }

    // MARK: - Health

    func health(at now: SwarmInstant) -> DHTHealth {
        DHTHealth(nodes: table.count, goodNodes: table.goodCount(at: now), lookupsInFlight: lookups.count,
                  secondsSinceBootstrap: bootstrappedAt.map { seconds($0.duration(to: now)) })
    }

    private func seconds(_ duration: Duration) -> Double {
        let (whole, atto) = duration.components
        return Double(whole) + Double(atto) / 1e18
    }

    // MARK: - Periodic work

    private func tick() {
        let now = core.now
        for (transaction, query) in pending where query.sentAt.duration(to: now) >= Self.queryTimeout {
            pending[transaction] = nil
            table.failed(query.endpoint, at: now)
            if let id = query.lookup { lookups[id]?.lookup.failed(query.endpoint) }
        }
        if table.count < 8, lastBootstrapAttempt.map({ $0.duration(to: now) >= .seconds(30) }) ?? true {
            bootstrap()
        }
        var generator = SystemRandomNumberGenerator()
        if bootstrappedAt != nil && !lookups.values.contains(where: { if case .refresh = $0.purpose { true } else { false } }) {
            if let target = table.targetsToRefresh(at: now, using: &generator).first {
                startLookup(target: target, purpose: .refresh)
            }
        }
        for node in table.questionableToPing(at: now, limit: 4) { ping(node.endpoint) }
        schedulePeerLookups(at: now)
        driveLookups(at: now)
        if Int(now.offset.components.seconds) % 60 == 0 { store.expire(at: now) }
    }

    private func bootstrap() {
        lastBootstrapAttempt = core.now
        guard !lookups.values.contains(where: { if case .bootstrap = $0.purpose { true } else { false } }) else { return }
        let seeds = table.closest(to: ownID, count: 16, at: core.now) + savedNodes
        guard !seeds.isEmpty || !bootstrapEndpoints.isEmpty else { return }
        savedNodes = []
        startLookup(target: ownID, purpose: .bootstrap, extraSeeds: seeds)
    }

    /// Starts get_peers lookups for torrents that are due.
    private func schedulePeerLookups(at now: SwarmInstant) {
        guard table.count > 0 || !bootstrapEndpoints.isEmpty else { return }
        let wanted = core.dhtWantedTorrents()
        let wantedHashes = Set(wanted.map(\.infoHash))
        for hash in nextPeerLookup.keys where !wantedHashes.contains(hash) { nextPeerLookup[hash] = nil }
        for torrent in wanted {
            if let due = nextPeerLookup[torrent.infoHash], due > now { continue }
            if lookups.values.contains(where: { if case .getPeers(torrent.infoHash) = $0.purpose { true } else { false } }) {
                continue
            }
            let interval = torrent.peerCount == 0 ? Self.starvingLookupInterval
                : torrent.peerCount < 10 ? Self.hungryLookupInterval : Self.peerLookupInterval
            nextPeerLookup[torrent.infoHash] = now.advanced(by: interval)
            guard let target = NodeID(bytes: torrent.infoHash.bytes) else { continue }
            startLookup(target: target, purpose: .getPeers(torrent.infoHash))
        }
    }

    /// Makes a torrent's first lookup happen on the next tick.
    func torrentAdded(_ infoHash: InfoHash) {
        nextPeerLookup[infoHash] = nil
    }

    // MARK: - Lookups

    private func startLookup(target: NodeID, purpose: Purpose, extraSeeds: [CompactNode] = []) {
        let now = core.now
        var seeds = table.closest(to: target, count: 16, at: now)
        for node in extraSeeds where !seeds.contains(node) { seeds.append(node) }
        // Bootstrap nodes join every lookup while the table is small.
        let bootstrap = table.count < 8 ? bootstrapEndpoints : []
        guard !seeds.isEmpty || !bootstrap.isEmpty else { return }
        let id = nextLookupID
        nextLookupID += 1
        lookups[id] = ActiveLookup(lookup: Lookup(target: target, seeds: seeds, bootstrap: bootstrap, at: now),
                                   purpose: purpose)
        driveLookups(at: now)
    }

    private func driveLookups(at now: SwarmInstant) {
        for id in lookups.keys.sorted() {
            guard var active = lookups[id] else { continue }
            if active.lookup.isFinished(at: now) {
                lookups[id] = nil
                finish(active, at: now)
                continue
            }
            guard pending.count < Self.maxInFlight else { continue }
            let targets = active.lookup.nextQueries(at: now)
            lookups[id] = active
            for endpoint in targets {
                let query: KRPCQuery = switch active.purpose {
                case .bootstrap, .refresh: .findNode(id: ownID, target: active.lookup.target, want: ownFamilies)
                case .getPeers(let hash): .getPeers(id: ownID, infoHash: hash, want: ownFamilies)
                }
                send(query, to: endpoint, lookup: id)
            }
            active = lookups[id] ?? active
        }
    }

    private func finish(_ active: ActiveLookup, at now: SwarmInstant) {
        switch active.purpose {
        case .bootstrap:
            if table.count > 0 { bootstrappedAt = now }
            core.log.debug("DHT bootstrap done: \(table.count) nodes")
        case .refresh:
            break
        case .getPeers(let hash):
            // Announce ourselves to the closest nodes that gave us a token.
            guard core.dhtWantedTorrents().contains(where: { $0.infoHash == hash }), core.listeningPort > 0,
                  let tcpPort = UInt16(exactly: core.listeningPort) else { return }
            let targets = active.lookup.closestAnswered.filter { $0.token != nil }
            for candidate in targets {
                guard let token = candidate.token else { continue }
                send(.announcePeer(id: ownID, infoHash: hash, port: tcpPort, impliedPort: false, token: token),
                     to: candidate.endpoint, lookup: nil)
            }
            core.log.debug("DHT lookup for \(hash) done after \(active.lookup.queriesSent) queries; announced to \(targets.count)")
        }
    }

    // MARK: - Sending

    /// Pings a node (a peer's `port` message, or a questionable table entry).
    func ping(_ endpoint: PeerEndpoint) {
        guard pending.count < Self.maxInFlight else { return }
        send(.ping(id: ownID), to: endpoint, lookup: nil)
    }

    private func send(_ query: KRPCQuery, to endpoint: PeerEndpoint, lookup: Int?) {
        nextTransaction &+= 1
        let transaction = nextTransaction
        pending[transaction] = PendingQuery(endpoint: endpoint, sentAt: core.now, lookup: lookup, method: query.method)
        let message = KRPCMessage(transactionID: [UInt8(transaction >> 8), UInt8(transaction & 0xFF)],
                                  body: .query(query), clientVersion: Self.clientVersion)
        write(message, to: endpoint)
    }

    private func write(_ message: KRPCMessage, to endpoint: PeerEndpoint) {
        guard let channel, let address = try? SocketAddress(ipAddress: endpoint.host, port: Int(endpoint.port)) else {
            return
        }
        channel.sendDatagram(message.encoded(), to: address)
    }

    // MARK: - Receiving

    func receive(_ bytes: [UInt8], from endpoint: PeerEndpoint) {
        let message: KRPCMessage
        do {
            message = try KRPCMessage(decoding: bytes)
        } catch {
            core.log.trace("DHT: dropped a datagram from \(endpoint): \(error)")
            if case .unknownMethod = error, let transaction = KRPCMessage.transactionID(of: bytes),
               limiter.allow(from: endpoint.host, at: core.now) {
                write(KRPCMessage(transactionID: transaction, body: .error(code: KRPCErrorCode.methodUnknown,
                                                                            message: "Method Unknown")), to: endpoint)
            }
            return
        }
        switch message.body {
        case .query(let query):
            answer(query, transaction: message.transactionID, from: endpoint)
        case .response(let response):
            handleResponse(response, transaction: message.transactionID, from: endpoint)
        case .error(let code, let text):
            guard let transaction = transactionNumber(message.transactionID),
                  let query = pending[transaction], query.endpoint == endpoint else { return }
            pending[transaction] = nil
            core.log.debug("DHT: \(endpoint) answered \(query.method) with error \(code): \(text)")
            if let id = query.lookup { lookups[id]?.lookup.failed(endpoint) }
        }
    }

    private func transactionNumber(_ bytes: [UInt8]) -> UInt16? {
        guard bytes.count == 2 else { return nil }
        return UInt16(bytes[0]) << 8 | UInt16(bytes[1])
    }

    private func handleResponse(_ response: KRPCResponse, transaction bytes: [UInt8], from endpoint: PeerEndpoint) {
        guard let transaction = transactionNumber(bytes), let query = pending[transaction],
              query.endpoint == endpoint else { return }
        pending[transaction] = nil
        let now = core.now
        learn(CompactNode(id: response.id, endpoint: endpoint), kind: .response, at: now)
        guard let id = query.lookup, var active = lookups[id] else { return }
        let nodes = (family == .ipv4 ? response.nodes : response.nodes6).filter { $0.endpoint.port > 0 && $0.id != ownID }
        active.lookup.answered(by: endpoint, id: response.id, nodes: nodes, token: response.token)
        lookups[id] = active
        if case .getPeers(let hash) = active.purpose, !response.values.isEmpty {
            let peers = response.values.filter { !core.isOwnAddress($0) }
            if !peers.isEmpty, core.addCandidates(peers, to: hash, source: .dht) {
                core.log.debug("DHT: \(endpoint) gave \(peers.count) peer(s) for \(hash)")
            }
        }
        driveLookups(at: now)
    }

    private func learn(_ node: CompactNode, kind: RoutingTable.Contact, at now: SwarmInstant) {
        if case .cached(let toPing) = table.heard(from: node, kind: kind, at: now) {
            for questionable in toPing { ping(questionable.endpoint) }
        }
    }

    private var ownFamilies: NodeFamilies { family == .ipv4 ? .ipv4 : .ipv6 }

    /// The closest nodes of this node's family, and (BEP 32 `want`) of the other family from the
    /// session's other DHT node when asked and when there is one.
    private func fillNodes(_ response: inout KRPCResponse, closestTo target: NodeID, want: NodeFamilies,
                           at now: SwarmInstant) {
        let wanted = want.isEmpty ? ownFamilies : want
        for asked in [NodeFamilies.ipv4, .ipv6] where wanted.contains(asked) {
            let node = asked == ownFamilies ? self : core.dhtNode(for: asked == .ipv4 ? .ipv4 : .ipv6)
            guard let node else { continue }
            let closest = node.table.closest(to: target, count: 8, at: now)
            if asked == .ipv4 { response.nodes = closest } else { response.nodes6 = closest }
        }
    }

    private func answer(_ query: KRPCQuery, transaction: [UInt8], from endpoint: PeerEndpoint) {
        let now = core.now
        guard limiter.allow(from: endpoint.host, at: now) else { return }
        learn(CompactNode(id: query.senderID, endpoint: endpoint), kind: .query, at: now)
        var generator = SystemRandomNumberGenerator()
        var response = KRPCResponse(id: ownID)
        switch query {
        case .ping:
            break
        case .findNode(_, let target, let want):
            fillNodes(&response, closestTo: target, want: want, at: now)
        case .getPeers(_, let hash, let want):
            response.token = tokens.token(for: endpoint.host, at: now, using: &generator)
            response.values = store.peers(for: hash, at: now, limit: 50)
            if let target = NodeID(bytes: hash.bytes) { fillNodes(&response, closestTo: target, want: want, at: now) }
        case .announcePeer(_, let hash, let port, let implied, let token):
            guard tokens.accepts(token, from: endpoint.host, at: now, using: &generator) else {
                write(KRPCMessage(transactionID: transaction, body: .error(code: KRPCErrorCode.protocolError,
                                                                            message: "bad token")), to: endpoint)
                return
            }
            let peerPort = implied ? endpoint.port : port
            if peerPort > 0 { store.announce(PeerEndpoint(host: endpoint.host, port: peerPort), for: hash, at: now) }
        }
        write(KRPCMessage(transactionID: transaction, body: .response(response), clientVersion: Self.clientVersion),
              to: endpoint)
    }
}
