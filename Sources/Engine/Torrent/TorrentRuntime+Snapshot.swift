import EngineAPI
import SwarmLogic
import TorrentCore

extension TorrentRuntime {
    /// Payload bytes moved over all runs.
    var totalDownloaded: Int { earlierDownloadedBytes + downloaded }
    var totalUploaded: Int { earlierUploadedBytes + uploaded }

    /// Uploaded over downloaded; a torrent we had from the start counts its size as downloaded.
    var ratio: Double {
        Double(totalUploaded) / Double(max(1, max(totalDownloaded, wantedBytes)))
    }

    /// The front end's phase for the lifecycle's state (a stopped torrent is no longer listed).
    var phase: TorrentPhase {
        switch lifecycle.state {
        case .checking(let progress): .checking(progress: progress)
        case .queued: .queued
        case .downloading: .downloading
        case .seeding: .seeding
        case .finished: .finished
        case .paused, .stopped: .paused
        case .failed(let reason): .failed(reason)
        }
    }

    /// The torrent's row for the front end; `queuePosition` when the caller knows it already.
    func snapshotRow(at now: SwarmInstant, queuePosition: Int? = nil) -> TorrentSnapshot {
        let position = queuePosition ?? core.registry.queue.position(of: infoHash) ?? 0
        rowChangeNoted = false
        if restingRowHolds, var row = restingRow {
            row.queuePosition = position
            return row
        }
        let row = buildRow(at: now, queuePosition: position)
        restingRow = isResting ? row : nil
        return row
    }

    /// Not running and no peers: only the values that clear `restingRow` (and the few checked by
    /// `restingRowHolds`) change the row, so snapshots need not visit it (see `SnapshotRows`).
    var isResting: Bool { !lifecycle.isRunning && swarm.count == 0 && webSeeds.isEmpty }

    /// Whether the row kept at rest is still the row: resting, and the values kept by others unchanged.
    var restingRowHolds: Bool {
        guard isResting, let row = restingRow else { return false }
        return row.piecesHave == picker.have.setCount && row.bannedPeers == trust.banned.count
            && row.peersKnown == swarm.knownNotConnected && row.swarmSeeds == tracker?.seeders
            && row.swarmLeechers == tracker?.leechers
    }

    private func buildRow(at now: SwarmInstant, queuePosition: Int) -> TorrentSnapshot {
        // Paused, queued or done: nothing moves, whatever the last seconds' average says.
        let moving = lifecycle.isRunning
        let down = moving ? downloadRate.rate(at: now) : 0
        let up = moving ? uploadRate.rate(at: now) : 0
        let checking = if case .checking = lifecycle.state { true } else { false }
        let progress = wantedBytes == 0 ? 1 : 1 - Double(leftBytes) / Double(wantedBytes)
        let eta: Double? = leftBytes > 0 && down > 1 ? Double(leftBytes) / down : nil
        var row = TorrentSnapshot(
            id: id, name: info.name, totalSize: info.totalLength, progress: checking ? 0 : min(1, max(0, progress)),
            phase: phase, downloadRate: down, uploadRate: up, downloaded: totalDownloaded, uploaded: totalUploaded,
            peers: swarm.count, seeds: swarm.values.count { $0.session?.isSeed == true },
            swarmSeeds: tracker?.seeders, swarmLeechers: tracker?.leechers, eta: eta,
            queuePosition: queuePosition, isPrivate: info.isPrivate,
            seedWhenComplete: seedWhenComplete, ratioGoal: ratioGoal, wantedSize: wantedBytes, leftBytes: leftBytes,
            sessionDownloaded: downloaded, sessionUploaded: uploaded, piecesHave: picker.have.setCount,
            pieceCount: pieceCount, fileCount: info.files.count, peersKnown: swarm.knownNotConnected,
            hashFailures: hashFailures, bannedPeers: trust.banned.count, trackerMessage: trackerMessage,
            sequential: sequential, downloadDirectory: downloadRoot)
        row.labels = labels
        row.addedDate = addedDate
        row.doneDate = doneDate
        row.verifiedBytes = verifiedBytes
        row.pieceSize = info.pieceLength
        row.downloadLimit = downloadLimit?.rate
        row.uploadLimit = uploadLimit?.rate
        row.webSeeds = webSeeds.count { !$0.health.isDropped }
        return row
    }

    /// Bytes of every verified piece (only the last piece may be short).
    var verifiedBytes: Int {
        let have = picker.have
        var bytes = have.setCount * info.pieceLength
        if pieceCount > 0, have[pieceCount - 1] { bytes -= info.pieceLength - pieceSize(pieceCount - 1) }
        return bytes
    }

    /// Peers, files, trackers and the piece map, for the torrent the front end is looking at.
    func detail(at now: SwarmInstant) -> TorrentDetail {
        var peerRows = swarm.values.map { peer -> PeerSnapshot in
            var flags: PeerFlags = []
            let session = peer.session
            if session?.amInterested == true { flags.insert(.weAreInterested) }
            if session?.amChoking ?? true { flags.insert(.weChoke) }
            if session?.peerInterested == true { flags.insert(.peerInterested) }
            if session?.peerChoking ?? true { flags.insert(.peerChokes) }
            if session?.isSnubbed(at: now) == true { flags.insert(.snubbed) }
            if peer.direction == .incoming { flags.insert(.incoming) }
            if session?.isOptimistic == true { flags.insert(.optimistic) }
            if session?.isSeed == true { flags.insert(.seed) }
            if peer.isEncrypted { flags.insert(.encrypted) }
            if peer.isUTP { flags.insert(.utp) }
            return PeerSnapshot(
                address: peer.endpoint.description, client: peer.clientName, flags: flags,
                downloadRate: session?.downloadRate.rate(at: now) ?? 0, uploadRate: session?.uploadRate.rate(at: now) ?? 0,
                progress: pieceCount == 0 ? 0 : Double(session?.has.setCount ?? 0) / Double(pieceCount),
                requestsInFlight: picker.outstandingCount(of: peer.key), source: peer.source.rawValue)
        } + webSeeds.map { webSeedRow($0, at: now) }
        peerRows.sort { $0.downloadRate + $0.uploadRate > $1.downloadRate + $1.uploadRate }

        let have = picker.have
        let files = info.files.enumerated().compactMap { index, file -> FileSnapshot? in
            guard !file.isPadding else { return nil }
            let pieces = info.layout.pieces(ofFile: index)
            let done = pieces.isEmpty ? 1 : Double(pieces.count { have[$0] }) / Double(pieces.count)
            return FileSnapshot(path: file.displayPath, size: file.length, progress: done,
                                priority: filePriorities[index])
        }

        var states = [UInt8](repeating: PieceMap.State.missing.rawValue, count: pieceCount)
        var availability = [UInt16](repeating: 0, count: pieceCount)
        for piece in 0..<pieceCount {
            if have[piece] {
                states[piece] = PieceMap.State.have.rawValue
            } else if picker.priorities[piece] == .skip {
                states[piece] = PieceMap.State.skipped.rawValue
            }
            availability[piece] = UInt16(clamping: picker.availability(of: PieceIndex(checked: piece)))
        }
        for piece in picker.piecesInFlight where !have[piece.value] {
            states[piece.value] = PieceMap.State.downloading.rawValue
        }
        let trackers = tracker?.snapshot(at: now) ?? []
        var detail = TorrentDetail(id: id, peers: peerRows, files: files, trackers: trackers,
                                   pieces: PieceMap(states: states, availability: availability),
                                   magnetLink: metainfo.magnetLink.description, comment: metainfo.comment,
                                   creator: metainfo.createdBy, creationDate: metainfo.creationDate.map(Double.init))
        detail.diagnosis = diagnosis(at: now, trackers: trackers)
        detail.dataCheck = dataCheck
        return detail
    }

    /// A web seed as a peer row: its URL for the address, the client says how it is doing.
    private func webSeedRow(_ seed: WebSeed, at now: SwarmInstant) -> PeerSnapshot {
        var flags: PeerFlags = [.webSeed, .seed, .weChoke]
        if seed.fetchesInFlight > 0 || isDownloading && !seed.health.isDropped { flags.insert(.weAreInterested) }
        let client = if let reason = seed.health.droppedBecause {
            "web seed (dropped: \(reason))"
        } else if seed.health.errors > 0 {
            "web seed (\(seed.health.errors) errors)"
        } else {
            "web seed"
        }
        return PeerSnapshot(address: seed.url, client: client, flags: flags,
                            downloadRate: seed.downloadRate.rate(at: now), uploadRate: 0, progress: 1,
                            requestsInFlight: picker.outstandingCount(of: seed.key), source: "webseed")
    }
}
