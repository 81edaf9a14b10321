import EngineAPI
import Logging
internal import NIOConcurrencyHelpers
internal import NIOCore
internal import NIOPosix
import Storage
import SwarmLogic
import TorrentCore
import WireProtocol

/// The state of a session: listening socket, torrents, connection counts. Everything except
/// the immutable properties is touched only on `loop`, the session's single event loop, which
/// also runs every peer connection; disk and hashing work goes to `diskPool`.
final class SessionCore: @unchecked Sendable {
    let group: MultiThreadedEventLoopGroup
    let loop: EventLoop
    let diskPool: NIOThreadPool
    /// One thread for piece writes (see `PieceVerifier`).
    let writePool: NIOThreadPool
    let configuration: SessionConfiguration
    let peerID: PeerID
    let log: Logger
    let resumeStore: ResumeStore?
    private let origin = ContinuousClock.now
    var random = SystemRandomNumberGenerator()

    private(set) var listeningPort = 0
    private var server: Channel?
    private var ticker: RepeatedTask?
    private var rateTicker: RepeatedTask?
    /// Session-wide rate limits (token buckets), when set.
    var downloadLimit: TokenBucket?
    var uploadLimit: TokenBucket?
    private(set) var torrents: [InfoHash: TorrentRuntime] = [:]
    /// Magnet torrents still fetching their metadata (see `SessionCore+Magnet.swift`).
    var magnets: [InfoHash: MagnetTorrent] = [:]
    private var connectionCount = 0
    private var halfOpen = 0
    private var nextPeerKey: UInt64 = 1
    private(set) var trackerClient: TrackerClient?
    var pendingGoodbyes: [EventLoopFuture<Void>] = []
    /// Events and the latest snapshot live behind locks: the front end reads them from its own thread.
    let events = NIOLockedValueBox(EventQueue())
    let published = NIOLockedValueBox(SessionSnapshot())
    let detailWanted = NIOLockedValueBox<TorrentID?>(nil)
    private var publisher: RepeatedTask?
    /// The order in which torrents get download and seed slots.
    var queue = QueueOrder<InfoHash>()
    var maxActiveDownloads: Int?
    var maxActiveSeeds: Int?
    /// Bytes free where torrents are downloaded by default, refreshed every few seconds.
    private(set) var freeDiskSpace: Int?
    private var ticks = 0
    /// The remembered torrent list needs writing (see `SessionCore+Persistence`).
    var sessionDirty = false
    /// Torrents being added whose data is still being checked.
    var checking: [InfoHash: PendingCheck] = [:]
    /// The DHT node, when the DHT is on (see `SessionCore+DHT.swift`).
    var dht: DHTNode?
    /// The IPv6 DHT node (BEP 32), when the host has IPv6.
    var dht6: DHTNode?
    /// Local Service Discovery, when on.
    var lsd: LocalDiscovery?

    init(configuration: SessionConfiguration, logger: Logger) {
        self.configuration = configuration
        group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        loop = group.next()
        diskPool = NIOThreadPool(numberOfThreads: max(1, configuration.diskThreads))
        diskPool.start()
        writePool = NIOThreadPool(numberOfThreads: 1)
        writePool.start()
        var generator = SystemRandomNumberGenerator()
        peerID = PeerID.generate(using: &generator)
        log = logger
        resumeStore = configuration.resumeFolder.map { ResumeStore(folder: $0) }
        downloadLimit = configuration.downloadRateLimit.map { TokenBucket(rate: $0) }
        uploadLimit = configuration.uploadRateLimit.map { TokenBucket(rate: $0) }
        maxActiveDownloads = configuration.maxActiveDownloads
        maxActiveSeeds = configuration.maxActiveSeeds
        if configuration.useTrackers {
            trackerClient = TrackerClient(eventLoopGroup: group)
        }
    }

    var now: SwarmInstant { SwarmInstant(ContinuousClock.now, since: origin) }

    /// Connections we may still open now.
    var connectionRoom: Int {
        max(0, min(configuration.maxConnections - connectionCount, configuration.maxHalfOpen - halfOpen))
    }

    // MARK: - Start and stop

    func start() -> EventLoopFuture<Void> {
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { [self] channel in
                channel.eventLoop.makeCompletedFuture {
                    try acceptIncoming(channel)
                }
            }
        return bootstrap.bind(host: configuration.listenHost, port: configuration.listenPort).map { [self] channel in
            server = channel
            listeningPort = channel.localAddress?.port ?? configuration.listenPort
            freeDiskSpace = FreeSpace.bytesAvailable(at: configuration.downloadDirectory)
            ticker = loop.scheduleRepeatedTask(initialDelay: .seconds(1), delay: .seconds(1)) { [self] _ in
                for torrent in torrents.values { torrent.tick() }
                ticks += 1
                if ticks % 5 == 0 { freeDiskSpace = FreeSpace.bytesAvailable(at: configuration.downloadDirectory) }
                if ticks % 60 == 0 { sessionChanged() }  // transfer totals
                saveSessionIfNeeded()
                for magnet in magnets.values { magnet.tick() }
            }
            if downloadLimit != nil || uploadLimit != nil { startRateTicker() }
            publisher = loop.scheduleRepeatedTask(initialDelay: .zero, delay: .milliseconds(250)) { [self] _ in
                publishSnapshot()
            }
            log.info("listening for peers on \(configuration.listenHost):\(listeningPort)")
        }.flatMap { [self] in
            startDiscovery()  // DHT and LSD, when on
        }
    }

    /// While any rate limit is set, peers held back by one get another chance every 100 ms.
    func startRateTicker() {
        guard rateTicker == nil else { return }
        rateTicker = loop.scheduleRepeatedTask(initialDelay: .milliseconds(100), delay: .milliseconds(100)) { [self] _ in
            for torrent in torrents.values { torrent.rateTick() }
        }
    }

    func shutdown() -> EventLoopFuture<Void> {
        ticker?.cancel()
        rateTicker?.cancel()
        publisher?.cancel()
        for magnet in magnets.values { magnet.stop() }
        let saved = saveSessionIfNeeded(force: true)
        let discoveryStopped = stopDiscovery()
        let stops = torrents.values.map { $0.stop() } + [discoveryStopped] + (saved.map { [$0] } ?? [])
        return EventLoopFuture.andAllComplete(stops, on: loop).flatMap { [self] in
            // Trackers get a few seconds to hear our `stopped`; we do not wait longer.
            let promise = loop.makePromise(of: Void.self)
            var done = false
            let timeout = loop.assumeIsolated().scheduleTask(in: .seconds(3)) {
                if !done { done = true; promise.succeed(()) }
            }
            EventLoopFuture.andAllComplete(pendingGoodbyes, on: loop).assumeIsolated().whenComplete { _ in
                timeout.cancel()
                if !done { done = true; promise.succeed(()) }
            }
            return promise.futureResult
        }.flatMap { [self] in
            server?.close() ?? loop.makeSucceededFuture(())
        }.recover { _ in }
    }

    // MARK: - Torrents

    func add(_ torrent: TorrentRuntime, announce: Bool = true) {
        torrents[torrent.infoHash] = torrent
        queue.append(torrent.infoHash)
        rememberTorrentFile(torrent.metainfo)
        sessionChanged()
        if announce { recordEvent(.added(torrent.id, name: torrent.info.name)) }
        applyQueue()
        discoveryTorrentAdded(torrent)
        publishSnapshot()
    }

    func remove(_ infoHash: InfoHash) {
        torrents[infoHash] = nil
        queue.remove(infoHash)
        sessionChanged()
        applyQueue()
    }

    /// Moves a torrent in the queue and lets the queue's new order take effect.
    func move(_ infoHash: InfoHash, _ move: QueueOrder<InfoHash>.Move) {
        if queue.move(infoHash, move) { applyQueue() }
    }

    /// Runs the first torrents in queue order up to the active limits and makes the rest wait.
    func applyQueue() {
        var candidates: [QueueSlots.Candidate<InfoHash>] = []
        for (position, hash) in queue.ids.enumerated() {
            guard let kind = torrents[hash]?.queueKind else { continue }
            candidates.append(QueueSlots.Candidate(id: hash, position: position, kind: kind))
        }
        let active = QueueSlots.active(candidates, maxDownloads: maxActiveDownloads, maxSeeds: maxActiveSeeds)
        // Stop first, so the connections they free are there for the ones that start.
        for candidate in candidates where !active.contains(candidate.id) { torrents[candidate.id]?.setActive(false) }
        for candidate in candidates where active.contains(candidate.id) { torrents[candidate.id]?.setActive(true) }
    }

    func torrent(for infoHash: InfoHash) -> TorrentRuntime? { torrents[infoHash] }

    // MARK: - Connections

    private func makeKey() -> PeerKey {
        defer { nextPeerKey += 1 }
        return PeerKey(nextPeerKey)
    }

    private func addHandlers(to channel: Channel, connection: PeerConnection, encryptFor infoHash: InfoHash? = nil) throws {
        if connection.direction == .incoming {
            try channel.pipeline.syncOperations.addHandler(EncryptionHandler(
                incoming: connection, policy: configuration.encryption, knownTorrents: { [self] in allInfoHashes }))
        } else if let infoHash {
            try channel.pipeline.syncOperations.addHandler(EncryptionHandler(
                outgoing: connection, infoHash: infoHash, policy: configuration.encryption))
        }
        try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(PeerStreamDecoder()))
        try channel.pipeline.syncOperations.addHandler(PeerChannelHandler(connection: connection))
    }

    private func acceptIncoming(_ channel: Channel) throws {
        guard connectionCount < configuration.maxConnections,
              let address = channel.remoteAddress, let host = address.ipAddress, let port = address.port,
              let remotePort = UInt16(exactly: port)
        else {
            channel.close(promise: nil)
            return
        }
        connectionCount += 1
        let connection = PeerConnection(key: makeKey(), endpoint: PeerEndpoint(host: host, port: remotePort),
                                        direction: .incoming, core: self, torrent: nil, magnet: nil)
        try addHandlers(to: channel, connection: connection)
        scheduleHandshakeTimeout(connection)
    }

    func connect(to endpoint: PeerEndpoint, for torrent: TorrentRuntime, source: PeerSource) {
        connect(to: endpoint, torrent: torrent, magnet: nil, source: source)
    }

    /// Dials a peer for a magnet torrent that is still fetching its metadata.
    func connect(to endpoint: PeerEndpoint, forMagnet magnet: MagnetTorrent, source: PeerSource) {
        connect(to: endpoint, torrent: nil, magnet: magnet, source: source)
    }

    private func connect(to endpoint: PeerEndpoint, torrent: TorrentRuntime?, magnet: MagnetTorrent?,
                         source: PeerSource) {
        connectionCount += 1
        halfOpen += 1
        let connection = PeerConnection(key: makeKey(), endpoint: endpoint, direction: .outgoing, core: self,
                                        torrent: torrent, magnet: magnet)
        connection.source = source
        let encrypt = switch configuration.encryption {
        case .disabled: false
        case .enabled: torrent?.wantsEncryption(endpoint) ?? false
        case .preferred, .required: true
        }
        let infoHash = torrent?.infoHash ?? magnet?.infoHash
        ClientBootstrap(group: loop)
            .connectTimeout(.seconds(10))
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { [self] channel in
                channel.eventLoop.makeCompletedFuture {
                    try addHandlers(to: channel, connection: connection, encryptFor: encrypt ? infoHash : nil)
                }
            }
            .connect(host: endpoint.host, port: Int(endpoint.port))
            .assumeIsolated()
            .whenComplete { [self] result in
                halfOpen -= 1
                switch result {
                case .success:
                    log.debug("connected to \(endpoint) (learnt from \(source.rawValue))")
                    scheduleHandshakeTimeout(connection)
                case .failure(let error):
                    connectionCount -= 1
                    log.debug("cannot connect to \(endpoint): \(error)")
                    torrent?.connectionFailed(endpoint)
                    magnet?.connectionFailed(endpoint)
                }
            }
    }

    private func scheduleHandshakeTimeout(_ connection: PeerConnection) {
        loop.scheduleTask(in: .seconds(20)) {
            if connection.state == .handshaking || connection.state == .connecting {
                connection.close(reason: "no handshake within 20 s")
            }
        }
    }

    func connectionClosed(_ connection: PeerConnection) {
        connectionCount -= 1
    }

    /// True for an address that is this session itself (trackers list the announcer too).
    func isOwnAddress(_ endpoint: PeerEndpoint) -> Bool {
        guard Int(endpoint.port) == listeningPort else { return false }
        return endpoint.host == configuration.listenHost || endpoint.host.hasPrefix("127.") || endpoint.host == "::1"
            || configuration.listenHost == "0.0.0.0" || configuration.listenHost == "::"
    }

    // MARK: - Events and snapshots

    func recordEvent(_ event: EngineEvent) {
        events.withLockedValue { $0.append(event) }
    }

    var connections: Int { connectionCount }

    /// Builds the front end's view of the session and makes it the one `snapshot` returns.
    func publishSnapshot() {
        let wanted = detailWanted.withLockedValue { $0 }
        let now = self.now
        var rows: [TorrentSnapshot] = []
        var down = 0.0
        var up = 0.0
        var detail: TorrentDetail?
        for torrent in torrents.values {
            let row = torrent.snapshotRow(at: now)
            down += row.downloadRate
            up += row.uploadRate
            rows.append(row)
            if torrent.id == wanted { detail = torrent.detail(at: now) }
        }
        for magnet in magnets.values {
            rows.append(magnet.snapshotRow())
            if magnet.id == wanted { detail = magnet.detail() }
        }
        rows.sort { $0.queuePosition < $1.queuePosition }
        for (hash, pending) in checking where magnets[hash] == nil {
            rows.append(TorrentSnapshot(id: TorrentID(hex: hash.hex), name: pending.name, totalSize: pending.size,
                                        progress: 0, phase: .checking(progress: pending.progress),
                                        queuePosition: queue.ids.count))
        }
        let (seconds, attoseconds) = now.offset.components
        let snapshot = SessionSnapshot(
            torrents: rows, detail: detail, downloadRate: down, uploadRate: up,
            downloadLimit: downloadLimit?.rate, uploadLimit: uploadLimit?.rate, listenPort: listeningPort,
            connections: connectionCount, uptime: Double(seconds) + Double(attoseconds) / 1e18,
            freeDiskSpace: freeDiskSpace, maxActiveDownloads: maxActiveDownloads, maxActiveSeeds: maxActiveSeeds,
            dht: dhtHealth(at: now))
        published.withLockedValue { $0 = snapshot }
    }

    /// Sets or clears the session-wide rate limits.
    func setRateLimits(download: Int?, upload: Int?) {
        downloadLimit = download.flatMap { $0 > 0 ? TokenBucket(rate: $0) : nil }
        uploadLimit = upload.flatMap { $0 > 0 ? TokenBucket(rate: $0) : nil }
        if downloadLimit != nil || uploadLimit != nil { startRateTicker() }
    }
}

/// A bounded queue of engine events: overflow is counted, never kept.
struct EventQueue {
    private var items: [EngineEvent] = []
    private var dropped = 0
    static let limit = 1000

    mutating func append(_ event: EngineEvent) {
        if items.count < Self.limit { items.append(event) } else { dropped += 1 }
    }

    mutating func drain() -> [EngineEvent] {
        var out = items
        if dropped > 0 { out.append(.dropped(count: dropped)) }
        items.removeAll(keepingCapacity: true)
        dropped = 0
        return out
    }
}

/// A torrent being added, shown while its data is checked.
struct PendingCheck {
    let name: String
    let size: Int
    var progress = 0.0
}
