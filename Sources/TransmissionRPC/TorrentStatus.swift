import EngineAPI

/// Transmission's torrent `status` numbers and error kinds, from the engine's phase.
enum TorrentStatus {
    static let stopped = 0, checkWait = 1, checking = 2, downloadWait = 3, downloading = 4, seedWait = 5, seeding = 6

    static func code(of row: TorrentSnapshot) -> Int {
        switch row.phase {
        case .fetchingMetadata, .downloading: downloading
        case .checking: checking
        case .queued: row.isComplete ? seedWait : downloadWait
        case .seeding: seeding
        case .finished, .paused, .failed: stopped
        }
    }

    /// `error`: 0 none, 1 tracker warning, 2 tracker error, 3 local error; with `errorString`.
    static func error(of row: TorrentSnapshot) -> (code: Int, message: String) {
        if case .failed(let reason) = row.phase { return (3, reason) }
        if let message = row.trackerMessage {
            return (message.hasPrefix("tracker warning") ? 1 : 2, message)
        }
        return (0, "")
    }

    /// `eta`: seconds, or -1 when not available (nothing left or not moving).
    static func eta(of row: TorrentSnapshot) -> Int {
        guard let eta = row.eta, eta.isFinite, eta >= 0 else { return -1 }
        return Int(eta.rounded())
    }

    /// `uploadRatio` as Transmission computes it: uploaded over downloaded (or over the verified
    /// size for a torrent that came complete); -1 when there is nothing to divide.
    static func ratio(of row: TorrentSnapshot) -> Double {
        let down = max(row.downloaded, row.wantedSize - row.leftBytes)
        guard down > 0 else { return row.uploaded > 0 ? -2 : -1 }
        return Double(row.uploaded) / Double(down)
    }
}
