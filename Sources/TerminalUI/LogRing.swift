import EngineAPI

/// The log pane's lines: newest last, at most `capacity`.
public struct LogRing: Sendable {
    public struct Entry: Sendable, Equatable {
        public var time: String
        public var text: String
        public var severity: Severity
    }

    public enum Severity: Sendable, Equatable { case info, warning, error }

    public let capacity: Int
    public private(set) var entries: [Entry] = []

    public init(capacity: Int = 500) { self.capacity = max(1, capacity) }

    public mutating func append(time: String, text: String, severity: Severity) {
        entries.append(Entry(time: time, text: text, severity: severity))
        if entries.count > capacity { entries.removeFirst(entries.count - capacity) }
    }
}

extension EngineEvent {
    /// One log line for the event; `name` finds a torrent's name by id.
    func logLine(name: (TorrentID) -> String) -> (String, LogRing.Severity) {
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
