/// Everything about one torrent that only its own panes need.
public struct TorrentDetail: Sendable {
    public var id: TorrentID
    public var peers: [PeerSnapshot]
    public var files: [FileSnapshot]
    public var trackers: [TrackerSnapshot]
    public var pieces: PieceMap
    /// A magnet link for the torrent (info-hash, name, trackers).
    public var magnetLink: String?
    /// What the torrent file says of itself, when it says it.
    public var comment: String?
    public var creator: String?
    /// Seconds since 1970.
    public var creationDate: Double?
    /// Why the download is slow (or not moving), for the diagnostics view.
    public var diagnosis: TorrentDiagnosis?
    /// What the last check of the data on disk found (when adding it, or a recheck); nil while
    /// none has run, and from engines that do not say.
    public var dataCheck: DataCheck?

    public init(id: TorrentID, peers: [PeerSnapshot], files: [FileSnapshot], trackers: [TrackerSnapshot], pieces: PieceMap,
                magnetLink: String? = nil, comment: String? = nil, creator: String? = nil, creationDate: Double? = nil) {
        self.id = id
        self.magnetLink = magnetLink
        self.comment = comment
        self.creator = creator
        self.creationDate = creationDate
        self.peers = peers
        self.files = files
        self.trackers = trackers
        self.pieces = pieces
    }
}

/// One connected peer.
public struct PeerSnapshot: Sendable {
    public var address: String
    public var client: String
    public var flags: PeerFlags
    public var downloadRate: Double
    public var uploadRate: Double
    /// Fraction of the torrent the peer has, 0…1.
    public var progress: Double
    /// Our block requests it has not answered yet; nil when the engine does not say (a remote server).
    public var requestsInFlight: Int?
    /// Where we learned of it: tracker, dht, pex, lsd, incoming, manual, webseed.
    public var source: String

    public init(address: String, client: String, flags: PeerFlags, downloadRate: Double, uploadRate: Double,
                progress: Double, requestsInFlight: Int?, source: String) {
        self.address = address
        self.client = client
        self.flags = flags
        self.downloadRate = downloadRate
        self.uploadRate = uploadRate
        self.progress = progress
        self.requestsInFlight = requestsInFlight
        self.source = source
    }
}

/// The choke and interest state of a connection, both ways, and how it came about.
public struct PeerFlags: OptionSet, Sendable, Hashable {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    /// We are interested in the peer's pieces.
    public static let weAreInterested = PeerFlags(rawValue: 1 << 0)
    /// We choke the peer (it may not download from us).
    public static let weChoke = PeerFlags(rawValue: 1 << 1)
    public static let peerInterested = PeerFlags(rawValue: 1 << 2)
    /// The peer chokes us.
    public static let peerChokes = PeerFlags(rawValue: 1 << 3)
    /// The peer has sent nothing for a minute although it unchoked us.
    public static let snubbed = PeerFlags(rawValue: 1 << 4)
    public static let incoming = PeerFlags(rawValue: 1 << 5)
    /// It holds our optimistic unchoke slot.
    public static let optimistic = PeerFlags(rawValue: 1 << 6)
    public static let seed = PeerFlags(rawValue: 1 << 7)
    public static let encrypted = PeerFlags(rawValue: 1 << 8)
    /// The connection runs over uTP (BEP 29), not TCP.
    public static let utp = PeerFlags(rawValue: 1 << 9)
    /// A web seed (BEP 19): an HTTP mirror, shown with its URL as the address.
    public static let webSeed = PeerFlags(rawValue: 1 << 10)
}

/// One file of the torrent.
public struct FileSnapshot: Sendable {
    public var path: String
    public var size: Int
    /// Fraction verified, 0…1.
    public var progress: Double
    public var priority: FilePriority

    public init(path: String, size: Int, progress: Double, priority: FilePriority) {
        self.path = path
        self.size = size
        self.progress = progress
        self.priority = priority
    }
}

/// One tracker of the torrent.
public struct TrackerSnapshot: Sendable {
    public var url: String
    public var tier: Int
    public var status: String
    public var lastError: String?
    /// Seconds until the next announce, when scheduled.
    public var nextAnnounce: Double?
    public var seeders: Int?
    public var leechers: Int?

    public init(url: String, tier: Int, status: String, lastError: String? = nil, nextAnnounce: Double? = nil,
                seeders: Int? = nil, leechers: Int? = nil) {
        self.url = url
        self.tier = tier
        self.status = status
        self.lastError = lastError
        self.nextAnnounce = nextAnnounce
        self.seeders = seeders
        self.leechers = leechers
    }
}
