/// What the engine knows about one torrent's download at one moment, gathered for
/// `SlowDownDiagnosis`. Plain values only, so the diagnosis is a pure function of them.
public struct SwarmFacts: Sendable, Equatable {
    /// Where the torrent is in its lifecycle, as far as the diagnosis cares.
    public enum Activity: Sendable, Equatable {
        case downloading, fetchingMetadata, paused, queued, checking, complete
    }

    /// One tracker and how its last announce went.
    public struct Tracker: Sendable, Equatable {
        public var url: String
        /// Why the last announce failed; nil when it worked or has not run yet.
        public var error: String?
        /// True once any announce to it succeeded.
        public var hasWorked: Bool

        public init(url: String, error: String? = nil, hasWorked: Bool = false) {
            self.url = url
            self.error = error
            self.hasWorked = hasWorked
        }
    }

    /// A connected peer whose request queue is full at its own limit (`reqq`) while it sends.
    public struct PipelineShortfall: Sendable, Equatable {
        public var address: String
        /// Bytes per second from it.
        public var rate: Double
        /// Requests it lets us keep outstanding.
        public var depth: Int

        public init(address: String, rate: Double, depth: Int) {
            self.address = address
            self.rate = rate
            self.depth = depth
        }
    }

    /// In endgame: the peer that holds the requests for the last missing blocks.
    public struct EndgameHolder: Sendable, Equatable {
        public var address: String
        /// Bytes per second from it.
        public var rate: Double
        /// Blocks still missing that only it was asked for.
        public var blocks: Int
        /// The fastest rate of any other connected peer.
        public var fastestOtherRate: Double

        public init(address: String, rate: Double, blocks: Int, fastestOtherRate: Double) {
            self.address = address
            self.rate = rate
            self.blocks = blocks
            self.fastestOtherRate = fastestOtherRate
        }
    }

    public var activity: Activity
    public var isPrivate = false
    /// Trackers in use (empty when the torrent has none or trackers are turned off).
    public var trackers: [Tracker] = []
    /// Whether the DHT may find peers for this torrent (on, and the torrent is not private).
    public var dhtEnabled = false
    /// Nodes in the DHT routing table; 0 means it never bootstrapped.
    public var dhtNodes = 0
    /// Peer addresses known and not connected now.
    public var peersKnown = 0
    public var peersConnected = 0
    /// Outgoing connection attempts that failed, by reason ("connection refused", "timed out", …).
    public var connectionFailures: [String: Int] = [:]
    /// Incoming peer connections the session has accepted since it started.
    public var incomingConnectionsSeen = 0
    /// Whether the session listens for incoming peers at all.
    public var acceptsIncoming = true
    /// Connected peers that have something we want and choke us.
    public var peersChokingUs = 0
    /// Connected peers that have nothing we want.
    public var peersWithNothingWeNeed = 0
    /// Wanted pieces not verified yet, and how many of those no connected peer has.
    public var missingPieces = 0
    public var missingPiecesUnavailable = 0
    /// Bytes per second now.
    public var downloadRate: Double = 0
    /// The torrent's and the session's download limits in bytes per second, when set.
    public var torrentDownloadLimit: Int?
    public var sessionDownloadLimit: Int?
    /// Active torrents and the most that may be active at once, for a queued torrent.
    public var activeDownloads = 0
    public var activeDownloadLimit: Int?
    /// Pieces received and waiting to be hashed and written, and whether their buffer is full
    /// (then no new requests go out).
    public var piecesWaitingToBeWritten = 0
    public var diskBufferFull = false
    public var pipelineShortfalls: [PipelineShortfall] = []
    public var endgameHolder: EndgameHolder?

    public init(activity: Activity) {
        self.activity = activity
    }
}
