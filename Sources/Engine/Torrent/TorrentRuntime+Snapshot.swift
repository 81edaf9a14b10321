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

    /// The torrent's row for the front end.
    func snapshotRow(at now: SwarmInstant) -> TorrentSnapshot {
        // Paused, queued or done: nothing moves, whatever the last seconds' average says.
        let moving = lifecycle.isRunning
        let down = moving ? downloadRate.rate(at: now) : 0
        let up = moving ? uploadRate.rate(at: now) : 0
        let checking = if case .checking = lifecycle.state { true } else { false }
        let progress = wantedBytes == 0 ? 1 : 1 - Double(leftBytes) / Double(wantedBytes)
        let eta: Double? = leftBytes > 0 && down > 1 ? Double(leftBytes) / down : nil
        return TorrentSnapshot(
            id: id, name: info.name, totalSize: info.totalLength, progress: checking ? 0 : min(1, max(0, progress)),
            phase: phase, downloadRate: down, uploadRate: up, downloaded: totalDownloaded, uploaded: totalUploaded,
            peers: swarm.count, seeds: swarm.values.count { $0.session?.isSeed == true },
            swarmSeeds: tracker?.seeders, swarmLeechers: tracker?.leechers, eta: eta,
            queuePosition: core.registry.queue.position(of: infoHash) ?? 0, isPrivate: info.isPrivate,
            seedWhenComplete: seedWhenComplete, ratioGoal: ratioGoal, wantedSize: wantedBytes, leftBytes: leftBytes,
            sessionDownloaded: downloaded, sessionUploaded: uploaded, piecesHave: picker.have.setCount,
            pieceCount: pieceCount, fileCount: info.files.count, peersKnown: swarm.knownNotConnected,
            hashFailures: hashFailures, bannedPeers: trust.banned.count, trackerMessage: trackerMessage,
            sequential: sequential, downloadDirectory: downloadRoot)
    }

    /// Peers, files, trackers and the piece map, for the torrent the front end is looking at.
    func detail(at now: SwarmInstant) -> TorrentDetail {
        let peerRows = swarm.values.map { peer -> PeerSnapshot in
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
        }.sorted { $0.downloadRate + $0.uploadRate > $1.downloadRate + $1.uploadRate }

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
        return TorrentDetail(id: id, peers: peerRows, files: files, trackers: tracker?.snapshot(at: now) ?? [],
                             pieces: PieceMap(states: states, availability: availability))
    }
}
