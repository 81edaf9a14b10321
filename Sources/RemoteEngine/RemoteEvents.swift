import EngineAPI

/// The events a front end would have seen, found by comparing two polls of a remote server
/// (Transmission's RPC has no event stream).
enum RemoteEvents {
    static func between(_ previous: [TorrentID: TorrentSnapshot], _ current: [TorrentID: TorrentSnapshot],
                        order: [TorrentSnapshot]) -> [EngineEvent] {
        var events: [EngineEvent] = []
        for row in order {
            guard let before = previous[row.id] else {
                events.append(.added(row.id, name: row.name))
                continue
            }
            if before.phase == .fetchingMetadata, row.phase != .fetchingMetadata, row.pieceCount > 0 {
                events.append(.metadataReceived(row.id, name: row.name))
            }
            if case .failed(let reason) = row.phase, before.phase != row.phase {
                events.append(.failed(row.id, reason))
            }
            if !before.isComplete, before.phase == .downloading, row.isComplete {
                events.append(.completed(row.id))
            }
            if let message = row.trackerMessage, message != before.trackerMessage {
                events.append(.notice(row.id, "Tracker: \(message)"))
            }
        }
        for id in previous.keys.sorted() where current[id] == nil {
            events.append(.removed(id))
        }
        return events
    }
}
