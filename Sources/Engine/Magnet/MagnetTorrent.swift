internal import NIOCore
import Bencode
import EngineAPI
import SwarmLogic
import TorrentCore
import WireProtocol

/// A torrent added by magnet link whose info dictionary is still being fetched from peers
/// (BEP 9). It dials the link's peers and any fed to it (`addCandidates`, as for a normal
/// torrent), collects the metadata with a `MetadataAssembler`, saves it as `<hex>.torrent` in
/// the resume folder, and then hands over to a normal `TorrentRuntime` with the peers it found.
/// Every method runs on the session's event loop.
final class MagnetTorrent: @unchecked Sendable {
    let link: MagnetLink
    let downloadRoot: String
    let options: TorrentOptions
    unowned let core: SessionCore
    let id: TorrentID
    private var assembler: MetadataAssembler
    private var candidates = PeerCandidates()
    private(set) var peers: [PeerKey: PeerConnection] = [:]
    /// Every address that connected or was given, kept (bounded) to hand to the real torrent.
    private var knownPeers: [PeerEndpoint: PeerSource] = [:]
    private static let maxKnownPeers = 500
    private(set) var isStopped = false
    private var handedOver = false
    /// The link's `tr=` trackers, announced with the info-hash alone until the metadata is known.
    private var tracker: TrackerAnnouncer?
    var trackerMessage: String?

    init(link: MagnetLink, downloadRoot: String, options: TorrentOptions, core: SessionCore) {
        self.link = link
        self.downloadRoot = downloadRoot
        self.options = options
        self.core = core
        id = TorrentID(hex: link.infoHash.hex)
        assembler = MetadataAssembler(infoHash: link.infoHash)
        if core.configuration.useTrackers && !link.trackers.isEmpty {
            tracker = TrackerAnnouncer(tiers: link.trackers.map { [$0] }, core: core)
        }
    }

    var infoHash: InfoHash { link.infoHash }
    /// The link's display name, or the hex hash until the metadata names it.
    var name: String { link.displayName ?? link.infoHash.hex }
    /// Metadata pieces received and expected (0 while the size is unknown).
    var progress: (received: Int, total: Int) { assembler.progress }
    var metadataSize: Int? { assembler.totalSize }

    // MARK: - Peers

    /// Adds addresses to try; the same entry point as `TorrentRuntime.addCandidates`.
    func addCandidates(_ endpoints: [PeerEndpoint], source: PeerSource) {
        guard !isStopped else { return }
        for endpoint in endpoints where !core.isOwnAddress(endpoint) {
            candidates.add(endpoint, source: source, now: core.now)
            remember(endpoint, source: source)
        }
        connectToCandidates()
    }

    private func remember(_ endpoint: PeerEndpoint, source: PeerSource) {
        if knownPeers[endpoint] == nil, knownPeers.count < Self.maxKnownPeers { knownPeers[endpoint] = source }
    }

    func connectToCandidates() {
        guard !isStopped else { return }
        let room = min(core.configuration.maxConnectionsPerTorrent - peers.count, core.connectionRoom)
        for endpoint in candidates.takeReady(room, now: core.now, excluding: []) {
            core.connect(to: endpoint, forMagnet: self, source: candidates.source(of: endpoint))
        }
    }

    func connectionFailed(_ endpoint: PeerEndpoint) {
        candidates.disconnected(endpoint, failed: true, now: core.now)
    }

    func attach(_ peer: PeerConnection) -> Bool {
        guard !isStopped, peers.count < core.configuration.maxConnectionsPerTorrent else { return false }
        peers[peer.key] = peer
        if peer.direction == .outgoing { remember(peer.endpoint, source: peer.source) }
        return true
    }

    func peerDisconnected(_ peer: PeerConnection) {
        guard peers.removeValue(forKey: peer.key) != nil else {
            if peer.direction == .outgoing { candidates.disconnected(peer.endpoint, failed: true, now: core.now) }
            return
        }
        assembler.peerLeft(peer.key)
        if peer.direction == .outgoing { candidates.disconnected(peer.endpoint, failed: true, now: core.now) }
        requestFromAll()
    }

    /// The peer's extension handshake arrived.
    func peerSentExtensionHandshake(_ peer: PeerConnection, _ handshake: ExtensionHandshake) {
        guard handshake.messageID(for: ExtensionHandshake.Name.metadata) != nil else {
            return peer.close(reason: "it cannot send metadata (no ut_metadata)")
        }
        if peer.direction == .incoming, let port = handshake.listenPort {
            remember(PeerEndpoint(host: peer.endpoint.host, port: port), source: .incoming)
        }
        if !assembler.peerJoined(peer.key, metadataSize: handshake.metadataSize) {
            return peer.close(reason: "it is of no use for the metadata")
        }
        requestFromAll()
    }

    /// Peers learnt through PEX while fetching.
    func peerSentPex(_ endpoints: [PeerEndpoint]) {
        addCandidates(endpoints, source: .pex)
    }

    /// A `ut_metadata` message from a peer.
    func peerSentMetadata(_ peer: PeerConnection, _ message: MetadataMessage) {
        switch message {
        case .request(let piece):
            peer.sendMetadata(.reject(piece: piece))
        case .reject(let piece):
            assembler.rejected(piece: piece, by: peer.key)
            core.log.debug("\(peer.endpoint) refused metadata piece \(piece)")
        case .data(let piece, let totalSize, let data):
            switch assembler.received(piece: piece, totalSize: totalSize, data: data, from: peer.key) {
            case .stored, .unexpected:
                break
            case .peerSkipped:
                core.log.debug("\(peer.endpoint) sent metadata piece \(piece) of the wrong size; not asking it again")
            case .hashMismatch(let blamed):
                core.log.warning("metadata for \(infoHash) did not match its info-hash; fetching it again")
                for key in blamed { peers[key]?.close(reason: "it sent metadata that does not match the info-hash") }
            case .complete(let rawInfo):
                return finish(rawInfo)
            }
        }
        requestFromAll()
    }

    private func requestFromAll() {
        guard !isStopped, !assembler.isComplete else { return }
        let now = core.now
        for peer in peers.values {
            for piece in assembler.nextRequests(for: peer.key, now: now) { peer.sendMetadata(.request(piece: piece)) }
        }
    }

    // MARK: - Timers

    /// Once a second: expire slow requests, re-ask, dial more peers.
    func tick() {
        guard !isStopped else { return }
        for key in assembler.expireRequests(now: core.now) {
            core.log.debug("metadata request to \(peers[key]?.endpoint.description ?? "a peer") timed out")
        }
        requestFromAll()
        for peer in peers.values { peer.keepAliveIfIdle() }
        connectToCandidates()
        if let tracker { tracker.tick(self) }
    }

    // MARK: - Done

    private func finish(_ rawInfo: [UInt8]) {
        guard !handedOver else { return }
        handedOver = true
        let info: TorrentInfo
        do {
            info = try TorrentInfo(rawInfo: rawInfo)
        } catch {
            // The hash matched, so the link itself names a broken torrent.
            core.log.error("metadata of \(infoHash) matches its hash but is not a valid torrent: \(error)")
            core.recordEvent(.failed(id, "the torrent's metadata is invalid: \(error)"))
            stop()
            return
        }
        let metainfo = Metainfo(info: info, trackerTiers: link.trackers.map { [$0] }, webSeeds: link.webSeeds)
        core.log.info("received the metadata of \(info.name) (\(rawInfo.count) bytes) from \(peers.count) peers")
        core.recordEvent(.metadataReceived(id, name: info.name))
        if options.startPaused {
            core.recordEvent(.notice(id, "\(info.files.count) files known: choose their priorities, then resume to start"))
        }
        core.saveMetadata(metainfo)
        let handOver = Array(knownPeers.keys).filter { !core.isOwnAddress($0) }
        let sources = knownPeers
        stop()
        // The magnet stays listed (as fetching) until the torrent replaces it, so lookups never miss both.
        var options = self.options
        options.filePriorities = Self.priorities(options.filePriorities, selected: link.selectedFiles,
                                                 fileCount: info.files.count)
        core.addTorrent(metainfo, downloadDirectory: downloadRoot, options: options, announce: false)
            .assumeIsolated().whenComplete { [self, core, infoHash] result in
                // Removed by the user while the data was being checked: the torrent goes too.
                let stillWanted = core.magnet(for: infoHash) === self
                core.removeMagnet(infoHash)
                switch result {
                case .success:
                    guard let torrent = core.torrent(for: info.infoHash) else { return }
                    guard stillWanted else {
                        core.remove(infoHash)
                        _ = torrent.stop()
                        return
                    }
                    var bySource: [PeerSource: [PeerEndpoint]] = [:]
                    for endpoint in handOver { bySource[sources[endpoint] ?? .manual, default: []].append(endpoint) }
                    for (source, endpoints) in bySource { torrent.addCandidates(endpoints, source: source) }
                case .failure(let error):
                    core.log.error("cannot start \(info.name) after fetching its metadata: \(error)")
                    core.recordEvent(.failed(TorrentID(hex: info.infoHash.hex), "cannot start: \(error)"))
                }
            }
    }

    /// The file priorities once the file list is known: the caller's own if they fit, else the
    /// link's `so=` selection (others skipped), else nil (all normal).
    static func priorities(_ given: [FilePriority]?, selected: [Int]?, fileCount: Int) -> [FilePriority]? {
        if let given, given.count == fileCount { return given }
        guard let selected else { return nil }
        var out = [FilePriority](repeating: .skip, count: fileCount)
        for index in selected where index >= 0 && index < fileCount { out[index] = .normal }
        return out
    }

    /// Closes every connection; the magnet does nothing more.
    func stop() {
        isStopped = true
        for peer in peers.values { peer.close(reason: "magnet stopped") }
    }

    // MARK: - Front end

    func snapshotRow() -> TorrentSnapshot {
        let (received, total) = assembler.progress
        return TorrentSnapshot(
            id: id, name: name, totalSize: 0, progress: total == 0 ? 0 : Double(received) / Double(total),
            phase: .fetchingMetadata, downloadRate: 0, uploadRate: 0, downloaded: 0, uploaded: 0,
            peers: peers.count, seeds: 0, swarmSeeds: nil, swarmLeechers: nil, eta: nil,
            queuePosition: core.queue.position(of: infoHash) ?? 0, isPrivate: false)
    }

    func detail() -> TorrentDetail {
        let now = core.now
        let rows = peers.values.map { peer in
            var flags: PeerFlags = []
            if peer.direction == .incoming { flags.insert(.incoming) }
            return PeerSnapshot(address: peer.endpoint.description, client: peer.clientName, flags: flags,
                                downloadRate: peer.downloadRate.rate(at: now), uploadRate: peer.uploadRate.rate(at: now),
                                progress: 0, requestsInFlight: 0, source: peer.source.rawValue)
        }.sorted { $0.address < $1.address }
        return TorrentDetail(id: id, peers: rows, files: [], trackers: trackerSnapshot(), pieces: PieceMap(states: [], availability: []))
    }

    func trackerSnapshot() -> [TrackerSnapshot] { tracker?.snapshot(at: core.now) ?? [] }

    func stats() -> TorrentStats {
        TorrentStats(
            infoHash: infoHash, name: name, phase: .fetchingMetadata, piecesHave: 0, pieceCount: 0, bytesLeft: 0,
            downloaded: 0, uploaded: 0, downloadRate: 0, uploadRate: 0, peersConnected: peers.count,
            seedsConnected: 0, peersKnown: candidates.notConnectedCount, hashFailures: assembler.hashFailures,
            bannedPeers: assembler.skipped.count, isComplete: false, trackerMessage: trackerMessage)
    }
}

extension MagnetTorrent: AnnounceTarget {
    /// Nothing moved yet; `left` is unknown, so one metadata piece's worth keeps us a leecher to the tracker.
    var announceTotals: (uploaded: Int, downloaded: Int, left: Int, isSeeding: Bool) {
        (0, 0, MetadataMessage.pieceSize, false)
    }
}
