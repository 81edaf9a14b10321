internal import NIOCore
import EngineAPI
import Storage
import SwarmLogic
import TorrentCore
import WireProtocol

/// One torrent's swarm: its picker, peers, pieces in progress and counters. Every method runs
/// on the session's event loop, so nothing here needs a lock.
final class TorrentRuntime: @unchecked Sendable {
    let metainfo: Metainfo
    let info: TorrentInfo
    let downloadRoot: String
    let options: TorrentOptions
    unowned let core: SessionCore
    var picker: PiecePicker
    let pipeline = RequestPipeline()
    private let verifier: PieceVerifier
    private let storage: FileStorage

    var phase: TorrentStats.Phase = .checking
    private(set) var peers: [PeerKey: PeerConnection] = [:]
    private var candidates = PeerCandidates()
    /// Peers that hung up on a plaintext handshake, to be tried encrypted.
    private var encryptedEndpoints: Set<PeerEndpoint> = []
    private var optimistic = OptimisticUnchoke()
    var assembling: [Int: [UInt8]] = [:]
    private var piecesVerifying = 0
    private var bytesVerifying = 0
    /// Pieces waiting for the disk beyond which we stop asking for more (backpressure).
    private let verifyHighWater = 64 << 20
    private var lastChokeRound: SwarmInstant
    private var lastResumeSave: SwarmInstant
    private var resumeDirty = false

    private(set) var downloaded = 0
    private(set) var uploaded = 0
    private var downloadRate = TransferRate()
    private var uploadRate = TransferRate()
    private(set) var hashFailures = 0
    /// Trust per peer address: up for good pieces, down for bad ones; banned when too low.
    private var trust: [String: Int] = [:]
    private(set) var banned: Set<String> = []
    /// Copies of pieces that failed their hash, with who sent each block; when the piece later
    /// verifies, the blocks that differ name the peers that lied.
    var failedCopies: [Int: (data: [UInt8], senders: [String?])] = [:]
    private static let maxFailedCopies = 16
    private var completionWaiters: [EventLoopPromise<Void>] = []
    var trackerMessage: String?
    var seedWhenComplete: Bool
    var ratioGoal: Double?
    let earlierDownloadedBytes: Int
    let earlierUploadedBytes: Int
    /// Bytes of the pieces the user wants; kept with the priorities so snapshots need no scan.
    var wantedBytes = 0
    /// This torrent's own rate limits, when set.
    private var downloadLimit: TokenBucket?
    private var uploadLimit: TokenBucket?
    let tracker: TrackerAnnouncer?

    init(metainfo: Metainfo, downloadRoot: String, options: TorrentOptions, core: SessionCore,
         storage: FileStorage, verified: Bitfield) {
        self.metainfo = metainfo
        self.info = metainfo.info
        self.downloadRoot = downloadRoot
        self.options = options
        self.core = core
        self.storage = storage
        self.id = TorrentID(hex: metainfo.infoHash.hex)
        self.seedWhenComplete = options.seedWhenComplete
        self.ratioGoal = options.ratioGoal
        self.earlierDownloadedBytes = options.earlierDownloaded
        self.earlierUploadedBytes = options.earlierUploaded
        self.filePriorities = options.filePriorities ?? Array(repeating: .normal, count: metainfo.info.files.count)
        var picker = PiecePicker(layout: metainfo.info.layout)
        picker.sequential = options.sequential
        if let priorities = options.filePriorities {
            picker.setFilePriorities(priorities.map(Self.piecePriority), layout: metainfo.info.layout)
        }
        for piece in verified.setIndices { picker.pieceVerified(PieceIndex(checked: piece)) }
        self.picker = picker
        self.verifier = PieceVerifier(pool: core.diskPool, writer: core.writePool, storage: storage, info: metainfo.info)
        lastChokeRound = core.now
        lastResumeSave = core.now
        tracker = core.configuration.useTrackers && !metainfo.trackerTiers.isEmpty
            ? TrackerAnnouncer(tiers: metainfo.trackerTiers, core: core) : nil
        // The session's queue decides when it may run (see `SessionCore.applyQueue`).
        phase = options.startPaused ? .paused : picker.isComplete && !options.seedWhenComplete ? .finished : .queued
        refreshWantedBytes()
        downloadLimit = options.downloadRateLimit.map { TokenBucket(rate: $0) }
        uploadLimit = options.uploadRateLimit.map { TokenBucket(rate: $0) }
        if downloadLimit != nil || uploadLimit != nil { core.startRateTicker() }
    }

    /// A fresh picker holding exactly `verified`, with the torrent's mode and file priorities.
    func resetPicker(verified: Bitfield) {
        var fresh = PiecePicker(layout: info.layout)
        fresh.sequential = options.sequential
        fresh.setFilePriorities(filePriorities.map(Self.piecePriority), layout: info.layout)
        for piece in verified.setIndices { fresh.pieceVerified(PieceIndex(checked: piece)) }
        picker = fresh
        refreshWantedBytes()
        assembling.removeAll()
        failedCopies.removeAll()
    }

    static func piecePriority(_ priority: FilePriority) -> PiecePriority {
        switch priority {
        case .skip: .skip
        case .low: .low
        case .normal: .normal
        case .high: .high
        }
    }

    var infoHash: InfoHash { info.infoHash }
    let id: TorrentID
    var filePriorities: [FilePriority]
    var pieceCount: Int { info.pieceCount }
    var havePieces: Bitfield { picker.have }
    var isSeeding: Bool { phase == .seeding || phase == .finished }
    func pieceSize(_ piece: Int) -> Int { info.layout.size(ofPiece: piece) }

    /// True while new block requests may go out: downloading and the disk keeping up.
    var mayRequest: Bool { phase == .downloading && bytesVerifying < verifyHighWater }

    func wants(anyOf pieces: Bitfield) -> Bool {
        guard phase == .downloading else { return false }
        for (index, byte) in pieces.bytes.enumerated() where byte != 0 {
            for bit in 0..<8 {
                let piece = index * 8 + bit
                if piece < pieceCount, byte & (0x80 >> UInt8(bit)) != 0, !picker.have[piece],
                   picker.priorities[piece] != .skip {
                    return true
                }
            }
        }
        return false
    }

    // MARK: - Peers

    func addCandidates(_ endpoints: [PeerEndpoint], source: PeerSource) {
        for endpoint in endpoints { candidates.add(endpoint, source: source, now: core.now) }
        connectToCandidates()
    }

    /// Dials known addresses while there is room for more connections.
    func connectToCandidates() {
        guard phase == .downloading || phase == .seeding else { return }
        let room = min(core.configuration.maxConnectionsPerTorrent - peers.count, core.connectionRoom)
        for endpoint in candidates.takeReady(room, now: core.now, excluding: banned) {
            core.connect(to: endpoint, for: self, source: candidates.source(of: endpoint))
        }
    }

    /// Whether to open the next connection to `endpoint` with an encrypted handshake (policy
    /// `.enabled`: plaintext first, encrypted after a plaintext handshake was refused, and back).
    func wantsEncryption(_ endpoint: PeerEndpoint) -> Bool { encryptedEndpoints.contains(endpoint) }

    private func toggleEncryption(for endpoint: PeerEndpoint) {
        guard core.configuration.encryption == .enabled else { return }
        if encryptedEndpoints.remove(endpoint) == nil, encryptedEndpoints.count < 10_000 {
            encryptedEndpoints.insert(endpoint)
            candidates.retry(endpoint, at: core.now.advanced(by: .seconds(1)))
        }
    }

    /// Dials every known address again at once, back-offs forgotten.
    func reconnectNow() {
        candidates.retryAll(now: core.now)
        connectToCandidates()
    }

    func connectionFailed(_ endpoint: PeerEndpoint) {
        candidates.disconnected(endpoint, failed: true, now: core.now)
    }

    func attach(_ peer: PeerConnection) -> Bool {
        guard phase == .downloading || phase == .seeding, !banned.contains(peer.endpoint.host) else { return false }
        if peers.values.contains(where: { $0.remotePeerID == peer.remotePeerID && $0 !== peer }) { return false }
        guard peers.count < core.configuration.maxConnectionsPerTorrent else { return false }
        peers[peer.key] = peer
        return true
    }

    func peerDisconnected(_ peer: PeerConnection) {
        guard peers.removeValue(forKey: peer.key) != nil else {
            if peer.direction == .outgoing {
                // Hung up before its handshake: it may want the other kind (plaintext or encrypted).
                candidates.disconnected(peer.endpoint, failed: true, now: core.now)
                if !peer.receivedHandshake { toggleEncryption(for: peer.endpoint) }
            }
            return
        }
        picker.peerLeft(peer.key)
        if peer.direction == .outgoing {
            let useful = peer.downloadRate.total > 0 || peer.uploadRate.total > 0
            candidates.disconnected(peer.endpoint, failed: !useful && !isSeeding, now: core.now)
        }
        // Requests it held go back to the others.
        for other in peers.values { other.fillRequests() }
    }

    func peerHas(_ peer: PeerConnection, piece: PieceIndex) {
        picker.peerHas(peer.key, piece: piece)
    }

    func peerSentBitfield(_ peer: PeerConnection) {
        if peer.has.isComplete {
            picker.peerHasAll(peer.key)
        } else {
            picker.peerHasBitfield(peer.key, peer.has)
        }
    }

    func peerBecameInterested(_ peer: PeerConnection) {
        // Fill a free upload slot at once rather than waiting for the next choke round.
        let unchoked = peers.values.count { !$0.amChoking && !$0.isOptimistic }
        if unchoked < core.configuration.uploadSlots { peer.setChoked(false) }
    }

    func pickBlocks(for peer: PeerConnection, offered: Bitfield, count: Int) -> [BlockRequest] {
        picker.pickBlocks(for: peer.key, peerHas: offered, count: count, now: core.now, using: &core.random)
    }

    // MARK: - Blocks and pieces

    func receivedBlock(_ request: BlockRequest, data: ByteBuffer, from peer: PeerConnection) {
        let arrival = picker.blockReceived(request, from: peer.key)
        for key in arrival.cancelFrom { peers[key]?.cancel(request) }
        guard arrival.shouldStore else { return }
        downloaded += request.length
        downloadRate.record(bytes: request.length, at: core.now)
        let piece = request.piece.value
        if assembling[piece] == nil {
            assembling[piece] = [UInt8](repeating: 0, count: pieceSize(piece))
        }
        data.withUnsafeReadableBytes { source in
            assembling[piece]!.withUnsafeMutableBytes { target in
                target.baseAddress!.advanced(by: request.offset).copyMemory(from: source.baseAddress!, byteCount: source.count)
            }
        }
        if case .readyToVerify = picker.blockWritten(request), let bytes = assembling.removeValue(forKey: piece) {
            verify(piece: piece, data: bytes)
        }
    }

    private func verify(piece: Int, data: [UInt8]) {
        piecesVerifying += 1
        bytesVerifying += data.count
        let size = data.count
        verifier.verifyAndWrite(piece: piece, data: data, on: core.loop).assumeIsolated().whenComplete { [self] result in
            piecesVerifying -= 1
            bytesVerifying -= size
            switch result {
            case .success(.verified):
                pieceVerified(piece, data: data)
            case .success(.hashMismatch):
                pieceFailed(piece, data: data)
            case .success(.writeFailed(let error)):
                fail("cannot write to disk: \(error)")
            case .failure(let error):
                fail("disk pool stopped: \(error)")
            }
            if mayRequest { for peer in peers.values { peer.fillRequests() } }
        }
    }

    private func pieceVerified(_ piece: Int, data: [UInt8]) {
        guard phase == .downloading || phase == .paused else { return }
        let index = PieceIndex(checked: piece)
        if let copy = failedCopies.removeValue(forKey: piece) { convictLiars(copy, good: data) }
        for contributor in picker.contributors(of: index) {
            if let host = peers[contributor]?.endpoint.host { trust[host] = min(8, (trust[host] ?? 0) + 1) }
        }
        picker.pieceVerified(index)
        resumeDirty = true
        for peer in peers.values { peer.sendHave(piece) }
        if picker.isComplete { complete() }
    }

    private func pieceFailed(_ piece: Int, data: [UInt8]) {
        hashFailures += 1
        let index = PieceIndex(checked: piece)
        let senders = picker.blockSources(of: index).map { key in key.flatMap { peers[$0]?.endpoint.host } }
        picker.pieceFailed(index)
        core.log.warning("piece \(piece) of \(info.name) failed its hash check; fetching it again")
        core.recordEvent(.hashFailed(id, piece: piece))
        let hosts = Set(senders.compactMap { $0 })
        if hosts.count == 1, let host = hosts.first {
            // One sender for the whole piece: it alone is to blame.
            strike(host, by: 2)
        } else if failedCopies.count < Self.maxFailedCopies {
            // Several senders: keep the bad copy until a good one shows whose blocks differ.
            failedCopies[piece] = (data, senders)
        }
    }

    private func convictLiars(_ copy: (data: [UInt8], senders: [String?]), good: [UInt8]) {
        let blockSize = picker.blockSize
        var liars: Set<String> = []
        for (block, sender) in copy.senders.enumerated() {
            guard let sender else { continue }
            let range = block * blockSize..<min(good.count, (block + 1) * blockSize)
            if !copy.data[range].elementsEqual(good[range]) { liars.insert(sender) }
        }
        for host in liars { strike(host, by: 3) }
    }

    /// Lowers a peer address's trust; bans it (for this session) once it is clearly sending bad data.
    private func strike(_ host: String, by amount: Int) {
        let score = (trust[host] ?? 0) - amount
        trust[host] = score
        guard score <= -6, !banned.contains(host) else { return }
        banned.insert(host)
        core.log.warning("banning \(host): it sent data for several pieces that failed their hash")
        for peer in peers.values where peer.endpoint.host == host { peer.close(reason: "banned for bad data") }
    }

    func complete() {
        phase = seedWhenComplete ? .seeding : .finished
        defer { core.applyQueue() }
        core.log.info("\(info.name) is complete")
        core.recordEvent(.completed(id))
        saveResume()
        tracker?.completed(self)
        for peer in peers.values {
            peer.updateInterest()
            if peer.isSeed || !seedWhenComplete { peer.close(reason: "download complete") }
        }
        for waiter in completionWaiters { waiter.succeed(()) }
        completionWaiters.removeAll()
    }

    func whenComplete() -> EventLoopFuture<Void> {
        if picker.isComplete { return core.loop.makeSucceededFuture(()) }
        let promise = core.loop.makePromise(of: Void.self)
        completionWaiters.append(promise)
        return promise.futureResult
    }

    private func fail(_ reason: String) {
        guard phase != .failed(reason) else { return }
        phase = .failed(reason)
        core.log.error("\(info.name): \(reason)")
        core.recordEvent(.failed(id, reason))
        for peer in peers.values { peer.close(reason: "torrent failed") }
    }

    // MARK: - Uploads

    func readBlock(_ request: BlockRequest) -> EventLoopFuture<ByteBuffer> {
        verifier.read(request.piece.value, offset: request.offset, length: request.length, on: core.loop)
    }

    /// Spends upload allowance for one block; false when a rate limit says wait.
    func mayUpload(bytes: Int) -> Bool {
        let now = core.now
        if uploadLimit != nil, !uploadLimit!.take(bytes, at: now) { return false }
        if core.uploadLimit != nil, !core.uploadLimit!.take(bytes, at: now) { return false }
        return true
    }

    /// How many of `blocks` block requests the download rate limits allow now (spending them).
    func requestAllowance(blocks: Int) -> Int {
        var allowed = blocks
        let now = core.now
        if downloadLimit != nil { allowed = downloadLimit!.takeUnits(of: picker.blockSize, upTo: allowed, at: now) }
        if core.downloadLimit != nil {
            allowed = core.downloadLimit!.takeUnits(of: picker.blockSize, upTo: allowed, at: now)
        }
        return allowed
    }

    /// Runs every 100 ms while rate limits apply: lets held-back peers go on.
    func rateTick() {
        guard phase == .downloading || isSeeding else { return }
        for peer in peers.values {
            peer.serveUploads()
            peer.fillRequests()
        }
    }

    func countUpload(_ bytes: Int) {
        uploaded += bytes
        uploadRate.record(bytes: bytes, at: core.now)
    }

    func diskReadFailed(_ error: Error) {
        core.log.warning("\(info.name): cannot read a block for upload: \(error)")
    }

    // MARK: - Timers

    /// Runs once a second: request time-outs, choking, keep-alives, new connections, resume data.
    func tick() {
        let now = core.now
        guard phase == .downloading || isSeeding else { return }
        if phase == .downloading {
            let old = picker.requests(sentAtOrBefore: now.advanced(by: .seconds(-20)))
            for (key, block) in old { peers[key]?.requestTimedOut(block) }
            if !old.isEmpty { for peer in peers.values { peer.fillRequests() } }
        }
        for peer in peers.values {
            peer.keepAliveIfIdle()
            if peer.lastReceivedAt.duration(to: now) > .seconds(180) { peer.close(reason: "idle for 3 minutes") }
        }
        if lastChokeRound.duration(to: now) >= .seconds(10) {
            lastChokeRound = now
            chokeRound()
        }
        connectToCandidates()
        exchangePeers()  // PEX/TorrentRuntime+PEX.swift
        if resumeDirty && lastResumeSave.duration(to: now) >= .seconds(30) { saveResume() }
        tracker?.tick(self)
        if phase == .seeding, let goal = ratioGoal, ratio >= goal { reachedRatioGoal(goal) }
    }

    private func chokeRound() {
        let samples = peers.values.map { peer in
            PeerSample(key: peer.key, downloadRate: peer.downloadRate.rate(at: core.now),
                       uploadRate: peer.uploadRate.rate(at: core.now), isInterested: peer.peerInterested,
                       isSnubbed: peer.isSnubbed, isUnchoked: !peer.amChoking, lastUnchokedAt: peer.lastUnchokedAt)
        }
        let decision = Choker.decide(samples, slots: core.configuration.uploadSlots, seeding: isSeeding,
                                     optimistic: &optimistic, now: core.now, using: &core.random)
        for peer in peers.values {
            let unchoke = decision.unchoked.contains(peer.key)
            peer.setChoked(!unchoke, optimistic: decision.optimistic == peer.key)
        }
    }

    /// Records verified pieces and file states so a restart need not hash again.
    @discardableResult
    func saveResume() -> EventLoopFuture<Void> {
        guard let store = core.resumeStore else { return core.loop.makeSucceededFuture(()) }
        resumeDirty = false
        lastResumeSave = core.now
        let verified = picker.have
        let info = self.info
        let root = downloadRoot
        let saved = core.diskPool.runIfActive(eventLoop: core.loop) {
            try store.save(verified, for: info, downloadRoot: root)
        }
        saved.assumeIsolated().whenFailure { [self] error in
            core.log.warning("cannot save resume data for \(info.name): \(error)")
        }
        return saved
    }

    /// Stops all transfers, waits for pieces on their way to disk, and saves resume data.
    func stop() -> EventLoopFuture<Void> {
        phase = .stopped
        for peer in peers.values { peer.close(reason: "torrent stopped") }
        tracker?.stopped(self)
        let promise = core.loop.makePromise(of: Void.self)
        waitForDisk(promise)
        return promise.futureResult
    }

    private func waitForDisk(_ promise: EventLoopPromise<Void>) {
        if piecesVerifying == 0 {
            saveResume().whenComplete { _ in promise.succeed(()) }
            return
        }
        core.loop.scheduleTask(in: .milliseconds(20)) { [self] in waitForDisk(promise) }
    }

    // MARK: - Stats

    func stats() -> TorrentStats {
        let now = core.now
        return TorrentStats(
            infoHash: infoHash, name: info.name, phase: phase,
            piecesHave: picker.have.setCount, pieceCount: pieceCount,
            bytesLeft: picker.wantedRemainingBytes, downloaded: downloaded, uploaded: uploaded,
            downloadRate: downloadRate.rate(at: now), uploadRate: uploadRate.rate(at: now),
            peersConnected: peers.count, seedsConnected: peers.values.count { $0.isSeed },
            peersKnown: candidates.notConnectedCount, hashFailures: hashFailures, bannedPeers: banned.count,
            isComplete: picker.isComplete, trackerMessage: trackerMessage)
    }
}
