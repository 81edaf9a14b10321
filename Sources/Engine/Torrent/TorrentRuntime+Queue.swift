import SwarmLogic

extension TorrentRuntime {
    /// Payload bytes moved over all runs.
    var totalDownloaded: Int { earlierDownloadedBytes + downloaded }
    var totalUploaded: Int { earlierUploadedBytes + uploaded }

    /// Uploaded over downloaded; a torrent we had from the start counts its size as downloaded.
    var ratio: Double {
        Double(totalUploaded) / Double(max(1, max(totalDownloaded, wantedBytes)))
    }

    /// The slot it needs to run, or nil when it should not run at all (paused, checking, done).
    var queueKind: QueueSlots.Kind? {
        switch phase {
        case .downloading: .download
        case .seeding: .seed
        case .queued: picker.isComplete ? (seedWhenComplete ? .seed : nil) : .download
        default: nil
        }
    }

    /// Lets a waiting torrent run, or sends a running one back to wait.
    func setActive(_ active: Bool) {
        if active, phase == .queued {
            phase = picker.isComplete ? .seeding : .downloading
            reconnectNow()
        } else if !active, phase == .downloading || phase == .seeding {
            phase = .queued
            for peer in peers.values { peer.close(reason: "queued behind other torrents") }
        } else if phase == .queued, queueKind == nil {
            phase = .finished
        }
    }

    func reachedRatioGoal(_ goal: Double) {
        core.log.info("\(info.name) reached its ratio goal \(goal); stopped seeding")
        core.recordEvent(.notice(id, "reached ratio goal \(goal), stopped seeding"))
        setSeeding(false)
    }
}
