/// How much a log line about an event matters.
public enum EventSeverity: Sendable, Equatable { case info, warning, error }

extension EngineEvent {
    /// One log line for the event, for every front end's log; `name` finds a torrent's name by id.
    public func logLine(name: (TorrentID) -> String) -> (String, EventSeverity) {
        switch self {
        case .added(_, let torrentName): return ("Added \(torrentName)", .info)
        case .completed(let id): return ("Completed \(name(id))", .info)
        case .hashFailed(let id, let piece): return ("\(name(id)): piece \(piece) failed the hash check", .warning)
        case .failed(let id, let reason): return ("\(name(id)) failed: \(reason)", .error)
        case .removed(let id): return ("Removed \(name(id))", .info)
        case .commandFailed(let id, let reason):
            if let id { return ("\(name(id)): \(reason)", .error) }
            return ("Command failed: \(reason)", .error)
        case .metadataReceived(_, let torrentName): return ("Metadata received for \(torrentName)", .info)
        case .trackerError(let id, let url, let message): return ("\(name(id)): tracker \(url): \(message)", .warning)
        case .peerBanned(let id, let address): return ("\(name(id)): banned peer \(address)", .warning)
        case .notice(let id, let text):
            if let id { return ("\(name(id)): \(text)", .info) }
            return (text, .info)
        case .dropped(let count): return ("\(count) events were dropped", .warning)
        }
    }
}
