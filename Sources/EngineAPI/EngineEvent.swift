/// Something that happened in the engine that a front end may show once (log pane, status bar).
public enum EngineEvent: Sendable, Equatable {
    case added(TorrentID, name: String)
    case completed(TorrentID)
    case hashFailed(TorrentID, piece: Int)
    case failed(TorrentID, String)
    case removed(TorrentID)
    /// A command could not be carried out; the torrent it was about, when there is one.
    case commandFailed(TorrentID?, String)
    /// A magnet link's metadata arrived and was verified; the file list is known now.
    case metadataReceived(TorrentID, name: String)
    /// A tracker refused or could not be reached.
    case trackerError(TorrentID, url: String, message: String)
    /// A peer sent data that failed the hash check too often and was banned.
    case peerBanned(TorrentID, address: String)
    /// Anything else worth a line in the log pane.
    case notice(TorrentID?, String)
    /// Events were dropped because nobody drained the queue in time.
    case dropped(count: Int)
}
