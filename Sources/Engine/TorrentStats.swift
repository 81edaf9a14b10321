import TorrentCore

/// A torrent's state as the engine last saw it: cheap to copy, safe to keep.
public struct TorrentStats: Sendable {
    /// Where a torrent is in its life. Checking → downloading → seeding (or finished when it
    /// does not seed); any state → paused or stopped; a disk error → failed.
    public enum Phase: Sendable, Equatable {
        /// A magnet link's torrent whose info dictionary is still being fetched from peers.
        case fetchingMetadata
        case checking
        /// Waiting for a download or seed slot.
        case queued
        case downloading
        case seeding
        case finished
        case paused
        case stopped
        case failed(String)
    }

    public var infoHash: InfoHash
    public var name: String
    public var phase: Phase
    /// Verified pieces and all pieces.
    public var piecesHave: Int
    public var pieceCount: Int
    /// Bytes of wanted pieces still missing.
    public var bytesLeft: Int
    /// Payload bytes received and sent in this session.
    public var downloaded: Int
    public var uploaded: Int
    /// Bytes per second over the last few seconds.
    public var downloadRate: Double
    public var uploadRate: Double
    public var peersConnected: Int
    public var seedsConnected: Int
    /// Peers known and not yet connected.
    public var peersKnown: Int
    /// Pieces whose data failed its hash and was fetched again.
    public var hashFailures: Int
    /// Peers banned for sending bad data.
    public var bannedPeers: Int
    /// True once every wanted piece is verified.
    public var isComplete: Bool
    /// The last tracker problem, if any.
    public var trackerMessage: String?

    /// Seconds until done at the current rate, when that can be guessed.
    public var eta: Double? {
        guard !isComplete, downloadRate > 1 else { return nil }
        return Double(bytesLeft) / downloadRate
    }

    public var progress: Double { pieceCount == 0 ? 1 : Double(piecesHave) / Double(pieceCount) }
}
