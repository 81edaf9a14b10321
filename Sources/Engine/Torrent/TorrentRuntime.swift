internal import NIOCore
import EngineAPI
import Storage
import SwarmLogic
import TorrentCore
import WireProtocol

/// The owner of one torrent's swarm, and the only code that touches its picker.
///
/// It holds the torrent's lifecycle (a pure `TorrentLifecycle`, whose effects it carries out),
/// the picker, the peers (each with a pure `PeerSession`), the pieces in assembly, peer trust and
/// the counters. Peer connections forward messages here (`+Peers.swift`); arriving blocks go
/// through `+Pieces.swift` to the hash and write pools. Every method runs on the session's loop.
final class TorrentRuntime: @unchecked Sendable {
    let metainfo: Metainfo
    let info: TorrentInfo
    let id: TorrentID
    let downloadRoot: String
    unowned let core: SessionCore
    var picker: PiecePicker
    let pipeline = RequestPipeline()
    let verifier: PieceVerifier
    var lifecycle: TorrentLifecycle {
        didSet {
            guard lifecycle != oldValue else { return }  // the queue re-activates every torrent
            rowChanged()
            core.registry.wake(infoHash)
        }
    }
    var swarm: SwarmPeers
    var assembly: PieceAssembly
    var trust = PeerTrust()
    /// v2 pieces that failed, waiting for leaf hashes that name the bad blocks (BEP 52).
    var badBlocks = BadBlockFinder()
    var optimistic = OptimisticUnchoke()
    var lastChokeRound: SwarmInstant
    /// Regular upload slots now open; `UploadSlots` moves it at each choke round.
    var uploadSlotCount: Int
    /// Keeps the resume data; nil when the session keeps none.
    let resumeKeeper: ResumeKeeper?

    private(set) var downloaded = 0 { didSet { rowChanged() } }
    private(set) var uploaded = 0 { didSet { rowChanged() } }
    var downloadRate = TransferRate()
    var uploadRate = TransferRate()
    var hashFailures = 0 { didSet { rowChanged() } }
    /// What the last check of the data on disk found (on adding, or a recheck).
    var dataCheck: DataCheck?
    /// Failed outgoing connection attempts by reason, for "why is it slow?" (a few reasons only).
    var connectionFailures: [String: Int] = [:]
    var trackerMessage: String? { didSet { rowChanged() } }
    var ratioGoal: Double? { didSet { rowChanged() } }
    let earlierDownloadedBytes: Int
    let earlierUploadedBytes: Int
    var filePriorities: [FilePriority] { didSet { rowChanged() } }
    var sequential: Bool { didSet { rowChanged() } }
    var labels: [String] { didSet { rowChanged() } }
    /// Seconds since 1970: when the torrent was first added, and when its wanted data was complete.
    let addedDate: Double
    private(set) var doneDate: Double? { didSet { rowChanged() } }
    /// Bytes of the pieces the user wants, and of those still missing; kept up to date so
    /// snapshots need no scan.
    private(set) var wantedBytes = 0 { didSet { rowChanged() } }
    private(set) var leftBytes = 0 { didSet { rowChanged() } }
    /// This torrent's own rate limits, when set.
    var downloadLimit: TokenBucket? { didSet { rowChanged() } }
    var uploadLimit: TokenBucket? { didSet { rowChanged() } }
    let tracker: TrackerAnnouncer?
    /// HTTP mirrors from the torrent's `url-list` or the magnet's `ws=` (BEP 19).
    let webSeeds: [WebSeed]
    /// Peers found under the truncated v2 hash of a hybrid, dialled with that hash.
    var v2SwarmPeers = V2SwarmPeers()
    /// The row last built while the torrent rested (see `snapshotRow`); cleared whenever a value
    /// in it changes, so a session of 1,000 queued torrents need not rebuild 1,000 rows at 4 Hz.
    var restingRow: TorrentSnapshot?
    /// A refill of every peer's requests is queued on the loop (`fillAllRequestsSoon`).
    var refillPending = false

    /// Whether the registry already knows that the row changed since it was last built.
    var rowChangeNoted = false

    /// A value shown in the torrent's row changed: the next snapshot builds it again (noted once
    /// per publication, as byte counters change it per block).
    func rowChanged() {
        restingRow = nil
        guard !rowChangeNoted else { return }
        rowChangeNoted = true
        core.registry.noteRowChanged(infoHash)
    }

    /// Nothing to do until its state changes: not running, no peers, nothing on its way to the
    /// disk or the resume data; such a torrent stops ticking (see `TorrentRegistry.awake`).
    var isQuiet: Bool {
        !lifecycle.isRunning && swarm.count == 0 && assembly.piecesVerifying == 0 && badBlocks.pendingCount == 0
            && resumeKeeper?.isSettled != false
    }

    init(metainfo: Metainfo, downloadRoot: String, options: TorrentOptions, core: SessionCore,
         storage: any TorrentStorage, verified: Bitfield, resumeIsCurrent: Bool = false,
         dataCheck: DataCheck? = nil) {
        self.metainfo = metainfo
        self.dataCheck = dataCheck
        self.info = metainfo.info
        self.downloadRoot = downloadRoot
        self.core = core
        self.id = TorrentID(metainfo.info)
        self.ratioGoal = options.ratioGoal
        self.sequential = options.sequential
        self.labels = options.labels
        self.addedDate = options.addedDate ?? SessionCore.wallSeconds()
        self.doneDate = options.doneDate
        self.earlierDownloadedBytes = options.earlierDownloaded
        self.earlierUploadedBytes = options.earlierUploaded
        self.filePriorities = options.filePriorities ?? Array(repeating: .normal, count: metainfo.info.files.count)
        picker = Self.makePicker(info: metainfo.info, filePriorities: filePriorities, sequential: options.sequential,
                                 verified: verified)
        resumeKeeper = core.resumeStore.map { store in
            let recorder = ResumeRecorder(store: store, info: metainfo.info, downloadRoot: downloadRoot, storage: storage,
                                          verified: verified, clock: SessionCore.wallClock,
                                          storedSnapshotIsCurrent: resumeIsCurrent)
            return ResumeKeeper(recorder: recorder, pool: core.flushPool, loop: core.loop, log: core.log, now: core.now)
        }
        verifier = PieceVerifier(pool: core.diskPool, hashThreads: core.configuration.diskThreads,
                                 writer: core.writePool, storage: storage, info: metainfo.info,
                                 recorder: resumeKeeper?.recorder, frames: core.uploadFrames)
        if !verified.isComplete { resumeKeeper?.expectWrites() }
        lifecycle = TorrentLifecycle(checkedComplete: picker.isComplete, startPaused: options.startPaused,
                                     seedWhenComplete: options.seedWhenComplete)
        swarm = SwarmPeers(maxPeers: core.configuration.maxConnectionsPerTorrent,
                           togglesEncryption: core.configuration.encryption == .enabled)
        assembly = PieceAssembly(limit: core.configuration.maxPieceBufferBytes)
        lastChokeRound = core.now
        uploadSlotCount = core.configuration.uploadSlots
        tracker = core.configuration.useTrackers && !metainfo.trackerTiers.isEmpty
            ? TrackerAnnouncer(tiers: metainfo.trackerTiers, core: core) : nil
        webSeeds = WebSeed.seeds(for: metainfo.webSeeds, info: metainfo.info)
        for seed in webSeeds { picker.peerHasAll(seed.key) }
        downloadLimit = options.downloadRateLimit.map { TokenBucket(rate: $0) }
        uploadLimit = options.uploadRateLimit.map { TokenBucket(rate: $0) }
        if downloadLimit != nil || uploadLimit != nil { core.startRateTicker() }
        refreshWantedBytes()
        if doneDate == nil && leftBytes == 0 && !info.files.isEmpty { doneDate = addedDate }
    }

    /// A picker holding exactly `verified`, with the torrent's mode and file priorities.
    static func makePicker(info: TorrentInfo, filePriorities: [FilePriority], sequential: Bool,
                           verified: Bitfield) -> PiecePicker {
        var picker = PiecePicker(layout: info.layout)
        picker.sequential = sequential
        picker.setFilePriorities(filePriorities.map(Self.piecePriority), layout: info.layout)
        for piece in verified.setIndices { picker.pieceVerified(PieceIndex(checked: piece)) }
        return picker
    }

    /// A file's priority as the picker's piece priority (a piece takes its files' highest).
    static func piecePriority(_ priority: FilePriority) -> PiecePriority {
        switch priority {
        case .skip: .skip
        case .low: .low
        case .normal: .normal
        case .high: .high
        }
    }

    var infoHash: InfoHash { info.infoHash }
    var pieceCount: Int { info.pieceCount }
    var havePieces: Bitfield { picker.have }
    var seedWhenComplete: Bool { lifecycle.seedWhenComplete }
    var isPaused: Bool { lifecycle.state == .paused }
    /// Only uploading now: seeding, or finished and not seeding.
    var isSeeding: Bool { lifecycle.isUploadingOnly }
    var isDownloading: Bool { lifecycle.state == .downloading }
    var queueKind: QueueSlots.Kind? { lifecycle.queueKind }
    func pieceSize(_ piece: Int) -> Int { info.layout.size(ofPiece: piece) }

    /// True while new block requests may go out: downloading and the disk keeping up.
    var mayRequest: Bool { isDownloading && assembly.hasRoom }

    /// Recounts the wanted and missing bytes; call whenever priorities or verified pieces change wholesale.
    func refreshWantedBytes() {
        var wanted = 0
        var left = 0
        for piece in 0..<pieceCount where picker.priorities[piece].isWanted {
            let size = pieceSize(piece)
            wanted += size
            if !picker.have[piece] { left += size }
        }
        wantedBytes = wanted
        leftBytes = left
    }

    func countDownload(_ bytes: Int) {
        downloaded += bytes
        downloadRate.record(bytes: bytes, at: core.now)
    }

    func countUpload(_ bytes: Int) {
        uploaded += bytes
        uploadRate.record(bytes: bytes, at: core.now)
    }

    /// A wanted piece verified: one piece fewer left.
    func pieceNoLongerMissing(_ piece: Int) {
        if picker.priorities[piece].isWanted { leftBytes -= pieceSize(piece) }
    }

    // MARK: - Lifecycle

    /// Feeds one event to the lifecycle and carries out what it says.
    func handle(_ event: LifecycleEvent) {
        let effects = lifecycle.handle(event, isComplete: picker.isComplete)
        for effect in effects { carry(effect) }
    }

    private func carry(_ effect: LifecycleEffect) {
        switch effect {
        case .closePeers(let reason):
            for peer in swarm.values { peer.close(reason: reason) }
            stopWebSeeds()
        case .connectPeers:
            swarm.retryAll(now: core.now)
            connectToCandidates()
            fillWebSeeds()
            // The first announce now, not at the session's next tick (up to 1 s, and 2 s after
            // the session starts): most peers come from it.
            tracker?.tick(self)
        case .saveResume:
            saveResume()
        case .queueChanged:
            core.queueChanged()
        case .downloadFinished:
            downloadFinished()
        case .reportFailure(let reason):
            core.log.error("\(info.name): \(reason)")
            core.recordEvent(.failed(id, reason))
        case .startRecheck:
            startRecheck()
        }
    }

    /// Lets a waiting torrent run, or sends a running one back to wait (the session queue).
    func setActive(_ active: Bool) {
        handle(active ? .activate : .deactivate)
    }

    private func downloadFinished() {
        doneDate = SessionCore.wallSeconds()
        core.persistence.changed()
        core.log.info("\(info.name) is complete")
        core.recordEvent(.completed(id))
        core.publishSoon()  // a front end waiting for the last piece sees it now, not at the next tick
        tracker?.completed(self)
        for peer in swarm.values {
            updateInterest(peer)
            if peer.session?.isSeed == true { peer.close(reason: "download complete") }
        }
    }

    // MARK: - Timers

    /// Once a second: request time-outs, keep-alives, choking, new connections, PEX, resume data,
    /// trackers, the ratio goal.
    func tick() {
        let now = core.now
        resumeKeeper?.tick(now: now)
        badBlocks.expire(now: now)
        guard lifecycle.isRunning else { return }
        if isDownloading {
            let old = picker.requests(sentAtOrBefore: now.advanced(by: .seconds(-20)))
            for (key, block) in old { picker.requestTimedOut(block, by: key) }
            if !old.isEmpty { fillAllRequests() }
            fillWebSeeds()
            reviewUselessPeers(at: now)
        }
        for peer in swarm.values {
            if let actions = peer.session?.tick(at: now) { carry(actions, for: peer) }
            peer.flush()
        }
        if lastChokeRound.duration(to: now) >= .seconds(10) {
            lastChokeRound = now
            chokeRound()
        }
        connectToCandidates()
        exchangePeers()
        tracker?.tick(self)
        if lifecycle.state == .seeding, let goal = ratioGoal, ratio >= goal {
            core.log.info("\(info.name) reached its ratio goal \(goal); stopped seeding")
            core.recordEvent(.notice(id, "reached ratio goal \(goal), stopped seeding"))
            handle(.setSeeding(false))
        }
    }

    /// Runs every 100 ms while rate limits apply: lets held-back peers go on.
    func rateTick() {
        guard lifecycle.isRunning else { return }
        for peer in swarm.values {
            serveUploads(peer)
            fillRequests(peer)
            peer.flush()
        }
    }

    // MARK: - Resume data and stopping

    /// Records the verified pieces that are on disk, and the files' state, so a restart need not
    /// hash again (a compaction of the resume journal; see `ResumeKeeper`).
    @discardableResult
    func saveResume() -> EventLoopFuture<Void> {
        resumeKeeper?.save(now: core.now) ?? core.loop.makeSucceededFuture(())
    }

    /// Stops all transfers, waits for pieces on their way to disk, and saves the final resume data.
    func stop() -> EventLoopFuture<Void> {
        handle(.stop)
        tracker?.stopped(self)
        let promise = core.loop.makePromise(of: Void.self)
        waitForDisk(promise)
        return promise.futureResult
    }

    private func waitForDisk(_ promise: EventLoopPromise<Void>) {
        if assembly.piecesVerifying == 0 {
            (resumeKeeper?.finish() ?? core.loop.makeSucceededFuture(())).whenComplete { _ in promise.succeed(()) }
            return
        }
        core.loop.scheduleTask(in: .milliseconds(20)) { [self] in waitForDisk(promise) }
    }
}

extension TorrentRuntime: AnnounceTarget {
    /// A hybrid's truncated v2 hash: the torrent is in the v2 swarm too (BEP 52).
    var secondInfoHash: InfoHash? { info.isHybrid ? info.infoHashV2?.truncated : nil }

    var announceTotals: (uploaded: Int, downloaded: Int, left: Int, isSeeding: Bool) {
        (uploaded, downloaded, leftBytes, isSeeding)
    }
}
