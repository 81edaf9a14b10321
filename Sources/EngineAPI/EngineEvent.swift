/// Something that happened in the engine that a front end may show once (log pane, status bar).
public enum EngineEvent: Sendable, Equatable {
    case added(TorrentID, name: String)
    case completed(TorrentID)
    case hashFailed(TorrentID, piece: Int)
    case failed(TorrentID, String)
    case removed(TorrentID)
    case commandFailed(String)
    /// Events were dropped because nobody drained the queue in time.
    case dropped(count: Int)
}
