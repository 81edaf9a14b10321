import EngineAPI
import SwarmLogic
import TorrentCore

extension TorrentRuntime {
    /// The torrent's row for the front end.
    func snapshotRow(at now: SwarmInstant) -> TorrentSnapshot {
        var stats = self.stats()
        if phase != .downloading && phase != .seeding {
            // Paused, queued or done: nothing moves, whatever the last seconds' average says.
            stats.downloadRate = 0
            stats.uploadRate = 0
        }
        let wanted = max(1, wantedBytes)
        let progress = phase == .checking ? 0 : 1 - Double(stats.bytesLeft) / Double(wanted)
        return TorrentSnapshot(
            id: id, name: info.name, totalSize: info.totalLength, progress: min(1, max(0, progress)),
            phase: Self.phase(of: stats.phase), downloadRate: stats.downloadRate, uploadRate: stats.uploadRate,
            downloaded: totalDownloaded, uploaded: totalUploaded, peers: stats.peersConnected,
            seeds: stats.seedsConnected, swarmSeeds: tracker?.seeders, swarmLeechers: tracker?.leechers,
            eta: stats.eta, queuePosition: core.queue.position(of: infoHash) ?? 0, isPrivate: info.isPrivate,
            seedWhenComplete: seedWhenComplete, ratioGoal: ratioGoal)
    }

    private static func phase(of phase: TorrentStats.Phase) -> TorrentPhase {
        switch phase {
        case .fetchingMetadata: .fetchingMetadata
        case .checking: .checking(progress: 0)
        case .queued: .queued
        case .downloading: .downloading
        case .seeding: .seeding
        case .finished: .finished
        case .paused, .stopped: .paused
        case .failed(let reason): .failed(reason)
        }
    }

    /// Recounts `wantedBytes`; call whenever piece priorities change.
    func refreshWantedBytes() {
        var total = 0
        for piece in 0..<pieceCount where picker.priorities[piece] != .skip { total += pieceSize(piece) }
        wantedBytes = total
    }

    /// Peers, files, trackers and the piece map, for the torrent the front end is looking at.
    func detail(at now: SwarmInstant) -> TorrentDetail {
        let peerRows = peers.values.map { peer -> PeerSnapshot in
            var flags: PeerFlags = []
            if peer.amInterested { flags.insert(.weAreInterested) }
            if peer.amChoking { flags.insert(.weChoke) }
            if peer.peerInterested { flags.insert(.peerInterested) }
            if peer.peerChoking { flags.insert(.peerChokes) }
            if peer.isSnubbed { flags.insert(.snubbed) }
            if peer.direction == .incoming { flags.insert(.incoming) }
            if peer.isOptimistic { flags.insert(.optimistic) }
            if peer.isSeed { flags.insert(.seed) }
            if peer.isEncrypted { flags.insert(.encrypted) }
            return PeerSnapshot(
                address: peer.endpoint.description, client: peer.clientName, flags: flags,
                downloadRate: peer.downloadRate.rate(at: now), uploadRate: peer.uploadRate.rate(at: now),
                progress: pieceCount == 0 ? 0 : Double(peer.has.setCount) / Double(pieceCount),
                requestsInFlight: peer.requestsInFlight.count, source: peer.source.rawValue)
        }.sorted { $0.downloadRate + $0.uploadRate > $1.downloadRate + $1.uploadRate }

        let have = picker.have
        let files = info.files.enumerated().compactMap { index, file -> FileSnapshot? in
            guard !file.isPadding else { return nil }
            let pieces = info.layout.pieces(ofFile: index)
            let done = pieces.isEmpty ? 1 : Double(pieces.count { have[$0] }) / Double(pieces.count)
            return FileSnapshot(path: file.displayPath, size: file.length, progress: done,
                                priority: Self.level(of: filePriorities[index]))
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

    static func level(of priority: FilePriority) -> FilePriorityLevel {
        FilePriorityLevel(rawValue: priority.rawValue) ?? .normal
    }
}
