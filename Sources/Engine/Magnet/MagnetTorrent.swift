internal import NIOCore
import Bencode
import EngineAPI
import SwarmLogic
import TorrentCore
import WireProtocol

/// A torrent added by magnet link whose info dictionary is still being fetched from peers
/// (BEP 9). It dials the link's peers and any fed to it (the same `SwarmPeers` as a torrent),
/// collects the metadata with a `MetadataAssembler`, saves it as `<hex>.torrent` in the resume
/// folder, and then hands over to a normal `TorrentRuntime` with the peers it found. Metadata
/// that matches the hash but is not a valid torrent fails the magnet with the reason.
/// Every method runs on the session's event loop.
final class MagnetTorrent: @unchecked Sendable {
    let link: MagnetLink
    let downloadRoot: String
    var options: TorrentOptions
    unowned let core: SessionCore
    let id: TorrentID
    private var assembler: MetadataAssembler
    private var swarm: SwarmPeers
    /// Every address that connected or was given, kept (bounded) to hand to the real torrent.
    private var knownPeers: [PeerEndpoint: PeerSource] = [:]
    /// Peers found under the truncated v2 hash of a hybrid link, dialled with that hash.
    private var v2SwarmPeers = V2SwarmPeers()
    private static let maxKnownPeers = 500
    private(set) var isStopped = false
    private var handedOver = false
    /// Why it cannot go on (invalid metadata); shown until the user removes it.
    private(set) var failure: String?
    /// The link's `tr=` trackers, announced with the info-hash alone until the metadata is known.
    private var tracker: TrackerAnnouncer?
    var trackerMessage: String?
    /// Failed outgoing connection attempts by reason, for "why is it slow?".
    private var connectionFailures: [String: Int] = [:]
    /// Fetches a v2 torrent's piece layers from peers once its metadata is known (BEP 52).
    private var layers: PieceLayerFetch?

    init(link: MagnetLink, downloadRoot: String, options: TorrentOptions, core: SessionCore) {
        self.link = link
        self.downloadRoot = downloadRoot
        self.options = options
        if self.options.addedDate == nil { self.options.addedDate = SessionCore.wallSeconds() }
        self.core = core
        id = TorrentID(link)
        assembler = MetadataAssembler(infoHash: link.infoHash, infoHashV2: link.infoHashV2)
        swarm = SwarmPeers(maxPeers: core.configuration.maxConnectionsPerTorrent, togglesEncryption: false)
        if core.configuration.useTrackers && !link.trackers.isEmpty {
            tracker = TrackerAnnouncer(tiers: link.trackers.map { [$0] }, core: core)
        }
    }

    var infoHash: InfoHash { link.infoHash }
    /// The link's display name, or the hex hash until the metadata names it.
    var name: String { link.displayName ?? link.infoHash.hex }
    var peerCount: Int { swarm.count }

    // MARK: - Peers

    /// Adds addresses to try; the same entry point as `TorrentRuntime.addCandidates`.
    func addCandidates(_ endpoints: [PeerEndpoint], source: PeerSource) {
        addCandidates(endpoints, source: source, swarmHash: nil)
    }

    /// `swarmHash`: the info-hash the addresses were found under (a hybrid link's v2 swarm).
    func addCandidates(_ endpoints: [PeerEndpoint], source: PeerSource, swarmHash: InfoHash?) {
        guard !isStopped else { return }
        let usable = endpoints.filter { !core.isOwnAddress($0) }
        if let swarmHash, swarmHash != infoHash { v2SwarmPeers.remember(usable) }
        swarm.add(usable, source: source, now: core.now)
        for endpoint in usable { remember(endpoint, source: source) }
        connectToCandidates()
    }

    private func remember(_ endpoint: PeerEndpoint, source: PeerSource) {
        if knownPeers[endpoint] == nil, knownPeers.count < Self.maxKnownPeers { knownPeers[endpoint] = source }
    }

    func connectToCandidates() {
        guard !isStopped else { return }
        let encrypted = core.configuration.encryption == .preferred || core.configuration.encryption == .required
        for dial in swarm.takeDialable(room: core.connections.room, now: core.now, excluding: []) {
            let swarmHash = v2SwarmPeers.contains(dial.endpoint) ? link.infoHashV2?.truncated : nil
            core.connections.dial(dial.endpoint, for: .magnet(self), source: dial.source, encrypted: encrypted,
                                  swarmHash: swarmHash)
        }
    }

    func connectionFailed(_ endpoint: PeerEndpoint, reason: String) {
        swarm.connectionFailed(endpoint, now: core.now)
        SessionCore.count(reason, in: &connectionFailures)
    }

    /// The rest of the handshake: no bitfield (we have nothing), just the extension handshake
    /// that asks for the metadata. Nil when the peer joined, else why not.
    func attach(_ peer: PeerConnection) -> String? {
        guard !isStopped else { return "the magnet is stopped" }
        guard let handshake = peer.handshake, handshake.supportsExtensionProtocol else {
            return "it cannot send metadata (no extension protocol)"
        }
        if let refusal = swarm.attach(peer) { return refusal }
        if peer.direction == .outgoing { remember(peer.endpoint, source: peer.source) }
        peer.send(peer.ourExtensionHandshake(torrent: nil).message)
        if handshake.supportsFastExtension { peer.send(.haveNone) }
        return nil
    }

    func peerDisconnected(_ peer: PeerConnection) {
        guard swarm.detach(peer, useful: false, now: core.now) else { return }
        layers?.peerLeft(peer.key)
        assembler.peerLeft(peer.key)
        requestFromAll()
    }

    /// While fetching metadata only extension messages matter (the piece count is unknown); then,
    /// for a v2 torrent, the BEP 52 hashes that carry its piece layers.
    func receive(_ message: PeerMessage, from peer: PeerConnection) {
        switch message {
        case .extended(let id, let payload):
            peer.receiveExtended(id: id, payload: payload, torrent: nil)
        case .hashes(let request, let hashes):
            guard var fetch = layers else { return }
            let outcome = fetch.received(request, hashes: hashes, from: peer.key)
            layers = fetch
            switch outcome {
            case .ignored: break
            case .lied: peer.close(reason: "it sent piece hashes that do not match the file's merkle root")
            case .stored: core.log.debug("\(peer.endpoint) sent a piece layer (\(hashes.count / 32) hashes)")
            }
            continueWithLayers()
        case .hashReject(let request):
            layers?.rejected(request, by: peer.key)
            continueWithLayers()
        default:
            break
        }
    }

    /// The peer's extension handshake arrived.
    func peerSentExtensionHandshake(_ peer: PeerConnection, _ handshake: ExtensionHandshake) {
        if layers != nil { return continueWithLayers() }
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
                for key in blamed { swarm[key]?.close(reason: "it sent metadata that does not match the info-hash") }
            case .complete(let rawInfo):
                return finish(rawInfo)
            }
        }
        requestFromAll()
    }

    private func requestFromAll() {
        guard !isStopped, !assembler.isComplete else { return }
        let now = core.now
        for peer in swarm.values {
            for piece in assembler.nextRequests(for: peer.key, now: now) { peer.sendMetadata(.request(piece: piece)) }
        }
    }

    // MARK: - Timers

    /// Once a second: expire slow requests, re-ask, keep connections alive, dial more peers.
    func tick() {
        guard !isStopped else { return }
        let now = core.now
        for key in assembler.expireRequests(now: now) {
            core.log.debug("metadata request to \(swarm[key]?.endpoint.description ?? "a peer") timed out")
        }
        requestFromAll()
        if layers != nil { continueWithLayers() }
        for peer in swarm.values where peer.lastSentAt.duration(to: now) > .seconds(90) {
            peer.send(.keepAlive)
            peer.flush()
        }
        connectToCandidates()
        if let tracker { tracker.tick(self) }
    }

    // MARK: - Done

    /// Asks v2-capable peers for the piece layers still missing; hands over once all are known.
    private func continueWithLayers() {
        guard !isStopped, var fetch = layers else { return }
        if fetch.info.hasAllPieceHashes {
            layers = nil
            return handOver(fetch.info)
        }
        // BEP 52: a connection made with the (truncated) v2 hash speaks v2; over a hybrid's v1 hash,
        // the peer says so with the v2 reserved bit.
        let peers = swarm.values.filter { link.isV2Only || $0.handshake?.reserved.contains(.v2) == true }.map(\.key)
        let asks = fetch.nextRequests(peers: Set(peers), now: core.now)
        layers = fetch
        if asks.isEmpty && peers.isEmpty {
            core.log.debug("waiting for a v2 peer to ask for \(fetch.missingFiles.count) piece layer(s)")
        }
        for (key, request) in asks {
            guard let peer = swarm[key] else { continue }
            core.log.debug("asking \(peer.endpoint) for piece hashes: \(request)")
            peer.send(.hashRequest(request))
            peer.flush()
        }
    }

    private func finish(_ rawInfo: [UInt8]) {
        guard !handedOver, layers == nil else { return }
        let info: TorrentInfo
        do {
            info = try TorrentInfo(rawInfo: rawInfo)
        } catch {
            // The hash matched, so the link itself names a broken torrent: say so and stay listed.
            let reason = "its metadata matches the info-hash but is not a valid torrent: \(error)"
            core.log.error("\(infoHash): \(reason)")
            core.recordEvent(.failed(id, reason))
            failure = reason
            stop()
            return
        }
        core.log.info("received the metadata of \(info.name) (\(rawInfo.count) bytes) from \(swarm.count) peers")
        if !info.hasAllPieceHashes {
            // BEP 52: the piece layers are not in the metadata; peers send them as hashes.
            guard let fetch = PieceLayerFetch(info: info) else {
                return fail("a file of this v2 torrent has more pieces than one hash request can carry")
            }
            layers = fetch
            return continueWithLayers()
        }
        handOver(info)
    }

    private func fail(_ reason: String) {
        core.log.error("\(infoHash): \(reason)")
        core.recordEvent(.failed(id, reason))
        failure = reason
        stop()
    }

    /// Saves the metadata and starts the real torrent with the peers found so far.
    private func handOver(_ info: TorrentInfo) {
        guard !handedOver else { return }
        handedOver = true
        let metainfo = Metainfo(info: info, trackerTiers: link.trackers.map { [$0] }, webSeeds: link.webSeeds)
        core.recordEvent(.metadataReceived(id, name: info.name))
        if options.startPaused {
            core.recordEvent(.notice(id, "\(info.files.count) files known: choose their priorities, then resume to start"))
        }
        core.persistence.saveMetadata(metainfo, core: core)
        let handOver = knownPeers.filter { !core.isOwnAddress($0.key) }.map { ($0.key, $0.value) }
        stop()
        // The magnet stays listed (as fetching) until the torrent replaces it, so lookups never miss both.
        var options = self.options
        options.filePriorities = TorrentAdder.priorities(options.filePriorities, selected: link.selectedFiles,
                                                         fileCount: info.files.count)
        TorrentAdder.addTorrent(metainfo, downloadDirectory: downloadRoot, options: options, announce: false,
                                peers: handOver, in: core)
            .assumeIsolated().whenComplete { [self, core, infoHash] result in
                // Removed by the user while the data was being checked: the torrent goes too.
                let stillWanted = core.magnet(for: infoHash) === self
                core.registry.removeMagnet(infoHash)
                switch result {
                case .success(let torrent):
                    guard stillWanted else {
                        core.registry.removeTorrent(infoHash)
                        _ = torrent.stop()
                        return
                    }
                case .failure(let error):
                    core.log.error("cannot start \(info.name) after fetching its metadata: \(error)")
                    core.recordEvent(.failed(id, "cannot start: \(error)"))
                }
            }
    }

    /// Closes every connection; the magnet does nothing more.
    func stop() {
        isStopped = true
        for peer in swarm.values { peer.close(reason: "magnet stopped") }
    }

    // MARK: - Front end

    func snapshotRow() -> TorrentSnapshot {
        let (received, total) = assembler.progress
        var row = TorrentSnapshot(
            id: id, name: name, totalSize: 0, progress: total == 0 ? 0 : Double(received) / Double(total),
            phase: failure.map { .failed($0) } ?? .fetchingMetadata, peers: swarm.count,
            queuePosition: core.registry.queue.position(of: infoHash) ?? 0,
            seedWhenComplete: options.seedWhenComplete, ratioGoal: options.ratioGoal, wantedSize: 0, leftBytes: 0,
            peersKnown: swarm.knownNotConnected, hashFailures: assembler.hashFailures,
            bannedPeers: assembler.skipped.count, trackerMessage: trackerMessage, sequential: options.sequential,
            downloadDirectory: downloadRoot)
        row.labels = options.labels
        row.addedDate = options.addedDate
        row.downloadLimit = options.downloadRateLimit
        row.uploadLimit = options.uploadRateLimit
        return row
    }

    func detail() -> TorrentDetail {
        let rows = swarm.values.map { peer in
            var flags: PeerFlags = []
            if peer.direction == .incoming { flags.insert(.incoming) }
            if peer.isEncrypted { flags.insert(.encrypted) }
            if peer.isUTP { flags.insert(.utp) }
            return PeerSnapshot(address: peer.endpoint.description, client: peer.clientName, flags: flags,
                                downloadRate: 0, uploadRate: 0, progress: 0, requestsInFlight: 0,
                                source: peer.source.rawValue)
        }.sorted { $0.address < $1.address }
        let trackers = tracker?.snapshot(at: core.now) ?? []
        var detail = TorrentDetail(id: id, peers: rows, files: [], trackers: trackers,
                                   pieces: PieceMap(states: [], availability: []), magnetLink: link.description)
        if let failure {
            detail.diagnosis = TorrentDiagnosis(cause: "failed", sentence: "It stopped with an error: \(failure).")
        } else {
            let facts = core.discoveryFacts(activity: .fetchingMetadata, isPrivate: false, trackers: trackers,
                                            swarm: swarm, failures: connectionFailures, at: core.now)
            let result = SlowDownDiagnosis.diagnose(facts)
            detail.diagnosis = TorrentDiagnosis(cause: result.cause.rawValue, sentence: result.sentence,
                                                evidence: result.evidence)
        }
        return detail
    }
}

extension MagnetTorrent: AnnounceTarget {
    /// A hybrid link (both `btih` and `btmh`) looks in the v2 swarm too.
    var secondInfoHash: InfoHash? {
        guard let v2 = link.infoHashV2, !link.isV2Only else { return nil }
        return v2.truncated
    }

    /// Nothing moved yet; `left` is unknown, so one metadata piece's worth keeps us a leecher to the tracker.
    var announceTotals: (uploaded: Int, downloaded: Int, left: Int, isSeeding: Bool) {
        (0, 0, MetadataMessage.pieceSize, false)
    }
}
