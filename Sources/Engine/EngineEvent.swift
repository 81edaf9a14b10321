import TorrentCore

/// Something that happened in the engine that a front end may want to show once.
public enum EngineEvent: Sendable, Equatable {
    case completed(InfoHash)
    case hashFailed(InfoHash, piece: Int)
    case failed(InfoHash, String)
    /// Events were dropped because nobody drained the queue in time.
    case dropped(count: Int)
}
