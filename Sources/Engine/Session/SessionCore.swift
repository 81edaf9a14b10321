import EngineAPI
import Logging
internal import NIOConcurrencyHelpers
internal import NIOCore
internal import NIOPosix
import Storage
import SwarmLogic
import TorrentCore
import WireProtocol

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Wires one session together. It owns the event loop that runs every torrent and peer, the
/// disk pools, the clock, and the parts that each do one job:
/// - `connections` (ConnectionManager): listening, dialling, connection caps;
/// - `registry` (TorrentRegistry): torrents, magnets, the queue;
/// - `dispatcher` (CommandDispatcher): front-end commands;
/// - `publisher` + `events`: what front ends read;
/// - `persistence` (SessionPersistence): the remembered torrent list;
/// - the DHT nodes and LSD (`SessionCore+DHT.swift`).
/// Everything mutable is touched only on `loop`.
final class SessionCore: @unchecked Sendable {
    let group: MultiThreadedEventLoopGroup
    let loop: EventLoop
    /// Hashing and reads for uploads.
    let diskPool: NIOThreadPool
    /// Buffers that uploads read blocks into, a disk hop's worth each (8 MiB at most for the session).
    let uploadFrames = FrameBufferPool(
        bufferSize: TorrentRuntime.blocksPerRead * (PiecePicker.defaultBlockSize + PeerMessageEncoder.pieceHeaderLength),
        limit: 64)
    /// One thread for piece writes (see `PieceVerifier`).
    let writePool: NIOThreadPool
    /// One thread that flushes written pieces to disk and keeps resume data (see `ResumeKeeper`).
    let flushPool: NIOThreadPool
    let configuration: SessionConfiguration
    /// Where torrents added without a folder go; starts as the configuration's, a front end may change it.
    var defaultDirectory: String
    let peerID: PeerID
    let log: Logger
    let resumeStore: ResumeStore?
    private let origin = ContinuousClock.now
    var random = SystemRandomNumberGenerator()

    let events = EventLog()
    let publisher = SnapshotPublisher()
    /// The published rows, kept up to date by what changed.
    private let snapshotRows = SnapshotRows()
    let dispatcher = CommandDispatcher()
    let registry = TorrentRegistry()
    let persistence: SessionPersistence
    private(set) var connections: ConnectionManager!
    private(set) var trackerClient: TrackerClient?
    /// Range requests to web seeds; its HTTP client is made on first use.
    let webSeedFetcher: WebSeedFetcher
    /// Session-wide rate limits (token buckets), when set.
    var downloadLimit: TokenBucket?
    var uploadLimit: TokenBucket?
    /// `stopped` announces still on their way when the session shuts down.
    var goodbyesPending = 0
    /// Whether work running off the loop may still hop back onto it (false once the loop is
    /// about to stop, so a late tracker reply is dropped instead of scheduled on a dead loop).
    private let loopOpen = NIOLockedValueBox(true)
    let offLoopTasks = OffLoopTasks()
    /// Bytes free where torrents are downloaded by default, refreshed every few seconds.
    private(set) var freeDiskSpace: Int?
    private var ticks = 0
    private var ticker: RepeatedTask?
    private var rateTicker: RepeatedTask?
    private var publishing: RepeatedTask?
    /// A queue change waits to be applied (see `queueChanged`).
    private var queueApplicationPending = false
    /// A snapshot is due once the loop's waiting tasks have run (see `publishSoon`).
    private var publicationPending = false
    /// The DHT node, when the DHT is on (see `SessionCore+DHT.swift`), and the IPv6 one (BEP 32).
    var dht: DHTNode?
    var dht6: DHTNode?
    /// Local Service Discovery, when on.
    var lsd: LocalDiscovery?

    init(configuration: SessionConfiguration, logger: Logger) {
        self.configuration = configuration
        self.defaultDirectory = configuration.downloadDirectory
        group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        loop = group.next()
        diskPool = NIOThreadPool(numberOfThreads: max(1, configuration.diskThreads))
        diskPool.start()
        writePool = NIOThreadPool(numberOfThreads: 1)
        writePool.start()
        flushPool = NIOThreadPool(numberOfThreads: 1)
        flushPool.start()
        var generator = SystemRandomNumberGenerator()
        peerID = PeerID.generate(using: &generator)
        log = logger
        resumeStore = configuration.resumeFolder.map { ResumeStore(folder: $0) }
        persistence = SessionPersistence(folder: configuration.persistTorrents ? configuration.resumeFolder : nil)
        downloadLimit = configuration.downloadRateLimit.map { TokenBucket(rate: $0) }
        uploadLimit = configuration.uploadRateLimit.map { TokenBucket(rate: $0) }
        registry.maxActiveDownloads = configuration.maxActiveDownloads
        registry.maxActiveSeeds = configuration.maxActiveSeeds
        if configuration.useTrackers {
            trackerClient = TrackerClient(eventLoopGroup: group, proxy: configuration.proxy)
        }
        webSeedFetcher = WebSeedFetcher(eventLoopGroup: group, proxy: configuration.proxy)
        let transport: any PeerTransport = configuration.proxy.map { SOCKS5Transport(proxy: $0) } ?? TCPTransport()
        // Behind a proxy UDP stays off (nothing may go around it), uTP included.
        let utp = configuration.useUTP && configuration.proxy == nil
            ? UTPTransport(socket: UTPSocket(loop: loop, now: { [unowned self] in now }, log: logger,
                                             maxStreams: configuration.maxConnections + configuration.maxHalfOpen))
            : nil
        connections = ConnectionManager(core: self, transport: transport, utp: utp)
    }

    var now: SwarmInstant { SwarmInstant(ContinuousClock.now, since: origin) }

    /// The wall clock: resume data's write leases are compared with files' modification times.
    static let wallClock: WallClock = {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return FileTime(seconds: Int64(now.tv_sec), nanoseconds: Int64(now.tv_nsec))
    }

    /// The wall clock in seconds since 1970, for the dates front ends show.
    static func wallSeconds() -> Double {
        let time = wallClock()
        return Double(time.seconds) + Double(time.nanoseconds) / 1e9
    }

    var listeningPort: Int { connections.listeningPort }

    // MARK: - Start and stop

    func start() -> EventLoopFuture<Void> {
        connections.listen().map { [self] in
            freeDiskSpace = FreeSpace.bytesAvailable(at: configuration.downloadDirectory)
            ticker = loop.scheduleRepeatedTask(initialDelay: .seconds(1), delay: .seconds(1)) { [self] _ in tick() }
            if downloadLimit != nil || uploadLimit != nil { startRateTicker() }
            // The first snapshot is there when `Session.init` returns (front ends read the port from it).
            publishSnapshot()
            publishing = loop.scheduleRepeatedTask(initialDelay: .milliseconds(250), delay: .milliseconds(250)) { [self] _ in
                publishSnapshot()
            }
            if let proxy = configuration.proxy {
                log.info("""
                    all connections go through the SOCKS5 proxy \(proxy); not listening for incoming peers, \
                    uTP and LSD are off, UDP trackers and the DHT use the proxy's UDP relay
                    """)
            } else {
                log.info("listening for peers on \(configuration.listenHost):\(listeningPort)")
            }
        }.flatMap { [self] in
            startDiscovery()  // DHT and LSD, when on
        }
    }

    /// Once a second: every awake torrent and every magnet ticks (queued and paused torrents rest);
    /// the remembered list is saved when it changed.
    private func tick() {
        let awake = registry.awakeTorrents()
        for torrent in awake { torrent.tick() }
        registry.lullQuiet(awake)
        for magnet in registry.magnets.values { magnet.tick() }
        ticks += 1
        if ticks % 5 == 0 { freeDiskSpace = FreeSpace.bytesAvailable(at: configuration.downloadDirectory) }
        // Transfer totals; they move only while a torrent is awake (10,000 rows are rewritten each time).
        if ticks % 60 == 0 && !awake.isEmpty { persistence.changed() }
        persistence.saveIfNeeded(self)
    }

    /// While any rate limit is set, peers held back by one get another chance every 100 ms.
    func startRateTicker() {
        guard rateTicker == nil else { return }
        rateTicker = loop.scheduleRepeatedTask(initialDelay: .milliseconds(100), delay: .milliseconds(100)) { [self] _ in
            for torrent in registry.awakeTorrents() { torrent.rateTick() }
        }
    }

    func shutdown() -> EventLoopFuture<Void> {
        ticker?.cancel()
        rateTicker?.cancel()
        publishing?.cancel()
        for magnet in registry.magnets.values { magnet.stop() }
        let saved = persistence.saveIfNeeded(self, force: true)
        let discoveryStopped = stopDiscovery()
        let stops = registry.torrents.values.map { $0.stop() } + [discoveryStopped] + (saved.map { [$0] } ?? [])
        return EventLoopFuture.andAllComplete(stops, on: loop).flatMap { [self] in
            // Trackers get a few seconds to hear our `stopped`; we do not wait longer.
            let promise = loop.makePromise(of: Void.self)
            waitForGoodbyes(until: now.advanced(by: .seconds(3)), promise)
            return promise.futureResult
        }.flatMap { [self] in
            connections.close()
        }.recover { _ in }
    }

    private func waitForGoodbyes(until deadline: SwarmInstant, _ promise: EventLoopPromise<Void>) {
        if goodbyesPending == 0 || now >= deadline { return promise.succeed(()) }
        loop.scheduleTask(in: .milliseconds(20)) { [self] in waitForGoodbyes(until: deadline, promise) }
    }

    /// Runs `work` as a task off the loop (a tracker exchange) and `then` on the loop with its
    /// result — unless the session has shut down meanwhile, when the result is dropped.
    func offLoop<T: Sendable>(_ work: @escaping @Sendable () async throws -> T,
                              then: @escaping @Sendable (Result<T, any Error>) -> Void) {
        let loop = self.loop
        let open = loopOpen
        offLoopTasks.run {
            let result: Result<T, any Error>
            do { result = .success(try await work()) } catch { result = .failure(error) }
            // Under the lock, so the loop cannot close between the check and the hop.
            open.withLockedValue { isOpen in
                if isOpen { loop.execute { then(result) } }
            }
        }
    }

    /// Stops the threads; after `shutdown`, or when starting failed.
    func closePools() async {
        loopOpen.withLockedValue { $0 = false }
        try? await diskPool.shutdownGracefully()
        try? await writePool.shutdownGracefully()
        try? await flushPool.shutdownGracefully()
        try? await group.shutdownGracefully()
        await offLoopTasks.executor.shutdown()
    }

    // MARK: - Events and snapshots

    func recordEvent(_ event: EngineEvent) {
        events.record(event)
    }

    /// Publishes a snapshot once the tasks already waiting on the loop have run.
    func publishSoon() {
        guard !publicationPending else { return }
        publicationPending = true
        loop.execute { [self] in
            if publicationPending { publishSnapshot() }
        }
    }

    /// Builds the front end's view of the session and makes it the one `snapshot` returns; a
    /// pending queue change is applied first unless `applyingQueue` is false (see `CommandDispatcher`).
    func publishSnapshot(applyingQueue: Bool = true) {
        publicationPending = false
        if applyingQueue { applyPendingQueueChange() }
        let now = self.now
        let collected = snapshotRows.collect(from: registry, at: now, detail: publisher.wantedDetail)
        let (seconds, attoseconds) = now.offset.components
        var snapshot = SessionSnapshot(
            torrents: [], detail: collected.detail, downloadRate: collected.downloadRate,
            uploadRate: collected.uploadRate,
            downloadLimit: downloadLimit?.rate, uploadLimit: uploadLimit?.rate, listenPort: listeningPort,
            connections: connections.count, uptime: Double(seconds) + Double(attoseconds) / 1e18,
            freeDiskSpace: freeDiskSpace, maxActiveDownloads: registry.maxActiveDownloads,
            maxActiveSeeds: registry.maxActiveSeeds, dht: dhtHealth(at: now), settings: settings)
        snapshot.utpConnections = connections.utpCount
        snapshot.utpEnabled = connections.utpSocket != nil
        publisher.publish(snapshot, rows: collected.update)
    }

    /// The session's setup as front ends see it.
    var settings: SessionSettings {
        let encryption = switch configuration.encryption {
        case .required: "required"
        case .preferred: "preferred"
        case .enabled, .disabled: "tolerated"
        }
        return SessionSettings(defaultDirectory: defaultDirectory, encryption: encryption,
                               dhtEnabled: configuration.dht.enabled, localDiscoveryEnabled: configuration.localDiscovery,
                               peerExchangeEnabled: true, utpEnabled: connections.utpSocket != nil,
                               maxConnections: configuration.maxConnections,
                               maxConnectionsPerTorrent: configuration.maxConnectionsPerTorrent,
                               version: configuration.clientName)
    }

    /// Sets or clears the session-wide rate limits.
    func setRateLimits(download: Int?, upload: Int?) {
        downloadLimit = download.flatMap { $0 > 0 ? TokenBucket(rate: $0) : nil }
        uploadLimit = upload.flatMap { $0 > 0 ? TokenBucket(rate: $0) : nil }
        if downloadLimit != nil || uploadLimit != nil { startRateTicker() }
    }

    // MARK: - Lookups used by discovery and connections

    func torrent(for infoHash: InfoHash) -> TorrentRuntime? { registry.torrents[registry.primaryHash(infoHash)] }
    func magnet(for infoHash: InfoHash) -> MagnetTorrent? { registry.magnets[registry.primaryHash(infoHash)] }

    /// Feeds peer addresses to the torrent or magnet with this info-hash (DHT, LSD, the user);
    /// false when the session has neither.
    @discardableResult
    func addCandidates(_ endpoints: [PeerEndpoint], to infoHash: InfoHash, source: PeerSource) -> Bool {
        if let torrent = torrent(for: infoHash) {
            torrent.addCandidates(endpoints, source: source, swarmHash: infoHash)
        } else if let magnet = magnet(for: infoHash) {
            magnet.addCandidates(endpoints, source: source, swarmHash: infoHash)
        } else {
            return false
        }
        return true
    }

    /// True for an address that is this session itself (trackers list the announcer too).
    func isOwnAddress(_ endpoint: PeerEndpoint) -> Bool { connections.isOwnAddress(endpoint) }

    /// Makes room for a newcomer when every connection slot is taken: closes the peer that has
    /// been idle longest (neither side interested, no data either way, connected for at least
    /// `idlePeerEvictionAge`). False when no peer is that useless.
    func evictIdlePeer() -> Bool {
        let now = self.now
        var best: (torrent: TorrentRuntime, peer: PeerConnection, idle: Duration)?
        for torrent in registry.torrents.values {
            guard let (peer, idle) = torrent.leastUsefulPeer(at: now) else { continue }
            if best == nil || idle > best!.idle { best = (torrent, peer, idle) }
        }
        guard let best else { return false }
        best.torrent.evict(best.peer)
        return true
    }

    /// The torrent queue changed (a torrent paused, finished, was added or removed): let the
    /// first torrents in queue order run up to the active limits, and remember the new state.
    ///
    /// Applying the queue visits every torrent, so changes are gathered for up to 100 ms
    /// (restoring 1,000 torrents applied it 1,000 times, O(N²); each check's end is its own task,
    /// so waiting for the loop's turn gathered nothing). Snapshots, and so commands, apply a
    /// pending change first: what a front end sees is never behind.
    func queueChanged() {
        persistence.changed()
        guard !queueApplicationPending else { return }
        queueApplicationPending = true
        loop.scheduleTask(in: .milliseconds(100)) { [self] in applyPendingQueueChange() }
    }

    /// Applies a queue change noted by `queueChanged` now, if one is still waiting.
    func applyPendingQueueChange() {
        guard queueApplicationPending else { return }
        queueApplicationPending = false
        registry.applyQueue()
    }
}

/// A torrent being added, shown while its data is checked.
struct PendingCheck {
    let id: TorrentID
    let name: String
    let size: Int
    let fileCount: Int
    let directory: String
    var progress = 0.0
    /// While its files move to `directory`: the fraction of bytes moved (nil while checking).
    var moveProgress: Double?
    /// A moving torrent as the saved session keeps it meanwhile (in its old folder).
    var remembered: SavedTorrent?
    /// Peers given while the data was checked, tried once the torrent starts.
    var peers: [PeerEndpoint] = []
    /// Commands about the torrent that arrived during the check, carried out once it starts.
    var commands: [EngineCommand] = []
}
