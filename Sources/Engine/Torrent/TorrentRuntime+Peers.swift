internal import NIOCore
import SwarmLogic
import TorrentCore
import WireProtocol

/// A torrent's peers: dialling, attaching, and carrying out what each peer's `PeerSession`
/// asks for — the picker's availability, requests, uploads, choking.
extension TorrentRuntime {
    // MARK: - Dialling

    /// `swarmHash`: the info-hash the addresses were found under; a hybrid's truncated v2 hash marks
    /// peers of its v2 swarm, which are dialled with that hash.
    func addCandidates(_ endpoints: [PeerEndpoint], source: PeerSource) {
        addCandidates(endpoints, source: source, swarmHash: nil)
    }

    func addCandidates(_ endpoints: [PeerEndpoint], source: PeerSource, swarmHash: InfoHash?) {
        let usable = endpoints.filter { !core.isOwnAddress($0) }
        if let swarmHash, swarmHash != infoHash { v2SwarmPeers.remember(usable) }
        swarm.add(usable, source: source, now: core.now)
        core.registry.noteRowChanged(infoHash)  // peers known
        connectToCandidates()
    }

    /// Dials known addresses while there is room for more connections.
    func connectToCandidates() {
        guard lifecycle.isRunning else { return }
        for dial in swarm.takeDialable(room: core.connections.room, now: core.now, excluding: trust.banned) {
            let encrypted = switch core.configuration.encryption {
            case .disabled: false
            case .enabled: dial.encrypted
            case .preferred, .required: true
            }
            let swarmHash = v2SwarmPeers.contains(dial.endpoint) ? secondInfoHash : nil
            core.connections.dial(dial.endpoint, for: .torrent(self), source: dial.source, encrypted: encrypted,
                                  swarmHash: swarmHash)
        }
    }

    func connectionFailed(_ endpoint: PeerEndpoint, reason: String) {
        swarm.connectionFailed(endpoint, now: core.now)
        noteConnectionFailure(reason)
    }

    // MARK: - Joining and leaving

    /// A peer finished its handshake; nil when it joined, else why not.
    func attach(_ peer: PeerConnection) -> String? {
        guard lifecycle.isRunning else { return "the torrent is not running" }
        guard !trust.isBanned(peer.endpoint.host) else { return "banned for bad data" }
        guard let handshake = peer.handshake else { return "no handshake" }
        if swarm.count >= swarm.maxPeers, let (victim, _) = leastUsefulPeer(at: core.now) { evict(victim) }
        if let refusal = swarm.attach(peer) { return refusal }
        let now = core.now
        peer.session = PeerSession(key: peer.key, pieceLength: info.pieceLength, totalLength: info.totalLength,
                                   supportsFast: handshake.supportsFastExtension,
                                   supportsExtensions: handshake.supportsExtensionProtocol, at: now)
        if handshake.supportsExtensionProtocol { peer.send(peer.ourExtensionHandshake(torrent: self).message) }
        let have = picker.have
        if handshake.supportsFastExtension && have.isComplete {
            peer.send(.haveAll)
        } else if handshake.supportsFastExtension && have.isEmpty {
            peer.send(.haveNone)
        } else if !have.isEmpty {
            peer.send(.bitfield(have.bytes))
        }
        // BEP 5: tell a DHT-speaking peer where our DHT node listens.
        if handshake.supportsDHT, !info.isPrivate, let dht = core.dhtNode(reaching: peer.endpoint.host),
           let port = UInt16(exactly: dht.port), port > 0 {
            peer.send(.port(port))
        }
        peer.session?.noteSent(at: now)
        return nil
    }

    func peerDisconnected(_ peer: PeerConnection) {
        let moved = (peer.session?.downloadRate.total ?? 0) > 0 || (peer.session?.uploadRate.total ?? 0) > 0
        guard swarm.detach(peer, useful: moved || isSeeding, now: core.now) else {
            if peer.direction == .outgoing && !peer.receivedHandshake { noteConnectionFailure("closed before the handshake") }
            return
        }
        picker.peerLeft(peer.key)
        badBlocks.peerLeft(peer.key)
        // Requests it held go back to the others; an upload slot it held goes to a waiting peer.
        fillAllRequests()
        if lifecycle.isRunning { fillFreeUploadSlots() }
    }

    /// The peer that has been of no use longest — connected for at least the eviction age,
    /// neither side interested, no block for as long — and for how long; nil when none is.
    func leastUsefulPeer(at now: SwarmInstant, age: Duration? = nil) -> (PeerConnection, Duration)? {
        let age = age ?? core.configuration.idlePeerEvictionAge
        var best: (PeerConnection, Duration)?
        for peer in swarm.values {
            guard let session = peer.session, !session.amInterested, !session.peerInterested else { continue }
            // `lastBlockAt` starts at the connection and moves with every block (or unchoke).
            let idle = session.lastBlockAt.duration(to: now)
            guard idle >= age, session.uploadRate.rate(at: now) == 0 else { continue }
            if best == nil || idle > best!.1 { best = (peer, idle) }
        }
        return best
    }

    /// Once a second while downloading: a peer we asked nothing of hears that we are no longer
    /// interested once its pieces are all ours (or skipped), and one outgoing peer that has had
    /// nothing for us, nor wanted anything, for `idlePeerEvictionAge` (15 s at most when no peer
    /// has anything for us) is dropped to be dialled again. A fresh connection brings a fresh
    /// bitfield: Transmission 3.00 advertises only what it had verified when a peer connected,
    /// and never sends `have` for the rest. Fruitless redials back off (`PeerCandidates`).
    func reviewUselessPeers(at now: SwarmInstant) {
        var starving = true
        for peer in swarm.values {
            guard let session = peer.session, session.amInterested else { continue }
            if picker.outstandingCount(of: peer.key) == 0 { updateInterest(peer) }
            if peer.session?.amInterested == true { starving = false }
        }
        let age = starving ? min(.seconds(15), core.configuration.idlePeerEvictionAge) : nil
        guard let (peer, idle) = leastUsefulPeer(at: now, age: age), peer.direction == .outgoing else { return }
        peer.close(reason: "had nothing we need for \(Int(idle.components.seconds)) s; dialling again for its pieces")
    }

    /// Drops a useless peer to make room for a newcomer.
    func evict(_ peer: PeerConnection) {
        guard swarm.detach(peer, useful: false, now: core.now) else { return }
        picker.peerLeft(peer.key)
        peer.close(reason: "made room for a new peer (idle, neither side interested)")
    }

    // MARK: - Messages

    func receive(_ message: PeerMessage, from peer: PeerConnection) {
        guard let actions = peer.session?.receive(message, at: core.now, weHave: picker.have) else { return }
        carry(actions, for: peer)
    }

    /// Does what a peer's session asked for, in order; stops at a disconnect.
    func carry(_ actions: [PeerAction], for peer: PeerConnection) {
        for action in actions {
            switch action {
            case .send(let message):
                peer.send(message)
            case .disconnect(let reason):
                peer.close(reason: reason)
                return
            case .peerHas(let piece):
                picker.peerHas(peer.key, piece: piece)
                if peerIsUseless(peer) { return peer.close(reason: "both sides are seeds") }
                // One new piece can only add interest: no need to scan the whole bitfield again.
                if peer.session?.amInterested == false, wants(piece.value),
                   let actions = peer.session?.setInterested(true, at: core.now) {
                    carry(actions, for: peer)
                }
                fillRequests(peer)
            case .peerHasBitfield(let pieces, let replacingEarlier):
                // Out of order (aria2 resends its bitfield as it progresses): the peer's whole truth.
                if replacingEarlier { picker.peerLeft(peer.key) }
                if pieces.isComplete { picker.peerHasAll(peer.key) } else { picker.peerHasBitfield(peer.key, pieces) }
                if peerIsUseless(peer) { return peer.close(reason: "both sides are seeds") }
                updateInterest(peer)
            case .block(let request, let data):
                receivedBlock(request, data: data, from: peer)
                fillRequests(peer)
            case .requestRejected(let request):
                picker.requestCancelled(request, by: peer.key)
                fillRequests(peer)
            case .chokedUs:
                picker.releaseRequests(of: peer.key)
            case .mayRequest:
                fillRequests(peer)
            case .becameInterested, .lostInterest:
                fillFreeUploadSlots()
            case .uploadQueued:
                scheduleUploads(peer)
            case .extended(let id, let payload):
                peer.receiveExtended(id: id, payload: payload, torrent: self)
            case .merkle(let message):
                receivedMerkle(message, from: peer)
            case .dhtPort(let port):
                // BEP 5: the peer runs a DHT node there; ping it so it can join our table.
                if port > 0 && !info.isPrivate {
                    core.dhtNode(reaching: peer.endpoint.host)?.ping(PeerEndpoint(host: peer.endpoint.host, port: port))
                }
            }
        }
    }

    /// A seed talking to a torrent that only uploads has nothing to trade.
    private func peerIsUseless(_ peer: PeerConnection) -> Bool {
        isSeeding && peer.session?.isSeed == true
    }

    /// Whether we still want `piece` (downloading, not verified, not skipped).
    func wants(_ piece: Int) -> Bool {
        isDownloading && !picker.have[piece] && picker.priorities[piece].isWanted
    }

    func wants(anyOf pieces: Bitfield) -> Bool {
        guard isDownloading else { return false }
        for (index, byte) in pieces.bytes.enumerated() where byte != 0 {
            for bit in 0..<8 {
                let piece = index * 8 + bit
                if piece < pieceCount, byte & (0x80 >> UInt8(bit)) != 0, wants(piece) { return true }
            }
        }
        return false
    }

    /// Recomputes whether the peer has something we want, telling it when that changes.
    func updateInterest(_ peer: PeerConnection) {
        guard let has = peer.session?.has else { return }
        let interested = wants(anyOf: has)
        if let actions = peer.session?.setInterested(interested, at: core.now) { carry(actions, for: peer) }
        if interested { fillRequests(peer) }
    }

    // MARK: - Requests

    /// Asks the peer for more blocks when fewer than its pipeline depth are outstanding.
    func fillRequests(_ peer: PeerConnection) {
        guard mayRequest, let session = peer.session, session.amInterested, let offered = session.offeredPieces()
        else { return }
        let now = core.now
        let depth = session.pipelineDepth(at: now, pipeline: pipeline, torrentRate: downloadRate.rate(at: now))
        let outstanding = picker.outstandingCount(of: peer.key)
        // Refill in batches: each pick scans the torrent's pieces.
        guard outstanding <= depth - max(1, depth / 4) else { return }
        let allowed = requestAllowance(blocks: depth - outstanding)
        guard allowed > 0 else { return }
        let blocks = picker.pickBlocks(for: peer.key, peerHas: offered, count: allowed, now: now, using: &core.random)
        guard !blocks.isEmpty, let actions = peer.session?.requested(blocks, at: now) else { return }
        carry(actions, for: peer)
    }

    /// `fillAllRequests` once the tasks already waiting on the loop have run: pieces verified
    /// together (a batch from the disk pool) then cost one refill, and their `have`s one write per
    /// peer, instead of one each.
    func fillAllRequestsSoon() {
        guard !refillPending else { return }
        refillPending = true
        core.loop.execute { [self] in
            refillPending = false
            fillAllRequests()
            // The haves go out even when no request may (the last piece, a full assembly).
            for peer in swarm.values { peer.flush() }
        }
    }

    func fillAllRequests() {
        guard mayRequest else { return }
        for peer in swarm.values {
            fillRequests(peer)
            peer.flush()
        }
        fillWebSeeds()
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

    // MARK: - Uploads

    /// Blocks read per hop to the disk pool, and blocks being read at once for one peer (512 KiB,
    /// half the send buffer's high-water mark).
    static let blocksPerRead = 8
    private static let maxConcurrentReads = 32

    /// Serves a peer's queued requests once the read that brought them is handled: requests come in
    /// bursts (a peer asks again for all it just received), and serving each as it is decoded sent
    /// most of them to the disk pool one block per hop.
    func scheduleUploads(_ peer: PeerConnection) {
        guard !peer.uploadsScheduled else { return }
        peer.uploadsScheduled = true
        core.loop.execute { [self] in
            peer.uploadsScheduled = false
            serveUploads(peer)
        }
    }

    /// Reads queued blocks from disk and sends them, a batch per hop, within the upload limits.
    func serveUploads(_ peer: PeerConnection) {
        while peer.state == .active, peer.isWritable, peer.uploadsReading < Self.maxConcurrentReads {
            var batch: [BlockRequest] = []
            while batch.count < Self.blocksPerRead, peer.uploadsReading + batch.count < Self.maxConcurrentReads,
                  (peer.session?.queuedUploads ?? 0) > 0, mayUpload(bytes: picker.blockSize),
                  let request = peer.session?.nextUpload() {
                batch.append(request)
            }
            guard !batch.isEmpty else { return }
            peer.uploadsReading += batch.count
            verifier.readFrames(batch, on: core.loop).assumeIsolated().whenComplete { [self] result in
                peer.uploadsReading -= batch.count
                guard peer.state == .active else { return }
                switch result {
                case .success(let frames):
                    let now = core.now
                    for (request, frame) in zip(batch, frames) {
                        peer.sendEncoded(frame)
                        peer.session?.uploaded(request, at: now)
                        countUpload(request.length)
                    }
                    serveUploads(peer)
                case .failure(let error):
                    core.log.warning("\(info.name): cannot read a block for upload: \(error)")
                    for request in batch {
                        if let actions = peer.session?.uploadFailed(request, at: core.now) { carry(actions, for: peer) }
                    }
                }
                peer.flush()
            }
        }
    }

    /// Spends upload allowance for one block; false when a rate limit says wait.
    func mayUpload(bytes: Int) -> Bool {
        let now = core.now
        if uploadLimit != nil, !uploadLimit!.take(bytes, at: now) { return false }
        if core.uploadLimit != nil, !core.uploadLimit!.take(bytes, at: now) { return false }
        return true
    }

    // MARK: - Choking

    func setChoked(_ peer: PeerConnection, _ choked: Bool, optimistic: Bool = false) {
        guard let actions = peer.session?.setChoked(choked, optimistic: optimistic, at: core.now) else { return }
        carry(actions, for: peer)
        peer.flush()
    }

    private func chokeSamples(at now: SwarmInstant) -> [PeerSample] {
        swarm.values.compactMap { peer -> PeerSample? in
            guard let session = peer.session else { return nil }
            return PeerSample(key: peer.key, downloadRate: session.downloadRate.rate(at: now),
                              uploadRate: session.uploadRate.rate(at: now), isInterested: session.peerInterested,
                              isSnubbed: session.isSnubbed(at: now), isUnchoked: !session.amChoking,
                              lastUnchokedAt: session.lastUnchokedAt)
        }
    }

    /// Unchokes waiting peers at once while regular slots are free (fewer interested peers in them
    /// than `uploadSlotCount`), rather than leaving the slots idle until the next choke round.
    func fillFreeUploadSlots() {
        let used = swarm.values.count { peer in
            peer.session.map { !$0.amChoking && !$0.isOptimistic && $0.peerInterested } ?? false
        }
        guard used < uploadSlotCount else { return }
        let now = core.now
        let picks = Set(Choker.fillFreeSlots(chokeSamples(at: now), free: uploadSlotCount - used,
                                             seeding: isSeeding, now: now))
        guard !picks.isEmpty else { return }
        for peer in swarm.values where picks.contains(peer.key) { setChoked(peer, false) }
    }

    func chokeRound() {
        let now = core.now
        let samples = chokeSamples(at: now)
        let slots = UploadSlots(base: core.configuration.uploadSlots)
        uploadSlotCount = slots.count(current: uploadSlotCount, uploadRates: samples.map(\.uploadRate),
                                      limited: uploadLimit != nil || core.uploadLimit != nil)
        let decision = Choker.decide(samples, slots: uploadSlotCount, seeding: isSeeding,
                                     optimistic: &optimistic, now: now, using: &core.random)
        for peer in swarm.values {
            setChoked(peer, !decision.unchoked.contains(peer.key), optimistic: decision.optimistic == peer.key)
        }
    }

    // MARK: - Peer exchange (BEP 11)

    /// Tells each PEX-capable peer about the others (at most once a minute each; see `PexState`).
    /// Nothing on private torrents.
    func exchangePeers() {
        guard !info.isPrivate else { return }
        let current = swarm.values.compactMap { peer -> PexMessage.Peer? in
            guard peer.state == .active, let endpoint = peer.dialableEndpoint else { return nil }
            var flags: PexFlags = []
            if peer.session?.isSeed == true { flags.insert(.seed) }
            if peer.direction == .outgoing { flags.insert(.reachable) }
            if peer.isUTP { flags.insert(.supportsUTP) }
            return PexMessage.Peer(endpoint, flags: flags)
        }
        for peer in swarm.values where peer.pex != nil { peer.exchangePeers(current: current, mayExchange: true) }
    }
}

// MARK: - BEP 52 hashes

extension TorrentRuntime {
    /// A peer's `hash request`: answered from the piece layers we hold when no proof is needed,
    /// refused otherwise. `hashes` and `hash reject` answer our questions about failed pieces.
    func receivedMerkle(_ message: PeerMessage, from peer: PeerConnection) {
        switch message {
        case .hashes(let request, let hashes): return leafHashesArrived(request, hashes: hashes, from: peer)
        case .hashReject(let request): return badBlocks.rejected(request, by: peer.key)
        default: break
        }
        guard case .hashRequest(let request) = message else { return }
        let answer = info.v2?.pieceLayerHashes(root: request.piecesRoot, baseLayer: request.baseLayer,
                                               index: request.index, count: request.length,
                                               proofLayers: request.proofLayers)
        if let answer {
            peer.send(.hashes(request, hashes: answer))
        } else {
            peer.send(.hashReject(request))
        }
        peer.flush()
    }
}
