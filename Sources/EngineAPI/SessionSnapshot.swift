/// The whole session at one moment: every torrent's row, and details for the one the front end
/// asked about. Immutable and cheap to copy; the engine publishes a new one a few times a second.
public struct SessionSnapshot: Sendable {
    public var torrents: [TorrentSnapshot]
    /// Peers, files, trackers and pieces of the torrent passed to `snapshot(detail:)`.
    public var detail: TorrentDetail?
    public var downloadRate: Double
    public var uploadRate: Double
    public var downloadLimit: Int?
    public var uploadLimit: Int?
    public var listenPort: Int
    public var connections: Int
    /// Seconds since the session started, when this snapshot was taken.
    public var uptime: Double
    /// Bytes free on the disk of the default download folder, when known.
    public var freeDiskSpace: Int?
    /// How many torrents may download and seed at once; nil means no limit.
    public var maxActiveDownloads: Int?
    public var maxActiveSeeds: Int?
    /// The DHT node's state; nil when the DHT is off.
    public var dht: DHTHealth?
    /// How the session is set up (what an RPC `session-get` reports).
    public var settings = SessionSettings()
    /// Which engine this is, for the status bar: "local", "daemon 127.0.0.1:9091",
    /// "transmission 3.00 @ seedbox:9091".
    public var engineDescription = "local"
    /// The engine runs elsewhere (reached over a connection): quitting the front end only detaches.
    public var isAttached = false
    /// Of `connections`, how many run over uTP (BEP 29); the rest are TCP.
    public var utpConnections = 0
    /// Whether the session accepts and dials uTP.
    public var utpEnabled = false

    public init(torrents: [TorrentSnapshot] = [], detail: TorrentDetail? = nil, downloadRate: Double = 0,
                uploadRate: Double = 0, downloadLimit: Int? = nil, uploadLimit: Int? = nil, listenPort: Int = 0,
                connections: Int = 0, uptime: Double = 0, freeDiskSpace: Int? = nil, maxActiveDownloads: Int? = nil,
                maxActiveSeeds: Int? = nil, dht: DHTHealth? = nil, settings: SessionSettings = SessionSettings()) {
        self.settings = settings
        self.torrents = torrents
        self.detail = detail
        self.downloadRate = downloadRate
        self.uploadRate = uploadRate
        self.downloadLimit = downloadLimit
        self.uploadLimit = uploadLimit
        self.listenPort = listenPort
        self.connections = connections
        self.uptime = uptime
        self.freeDiskSpace = freeDiskSpace
        self.maxActiveDownloads = maxActiveDownloads
        self.maxActiveSeeds = maxActiveSeeds
        self.dht = dht
    }
}

/// The session's setup as a front end may show or change it.
public struct SessionSettings: Sendable, Equatable {
    /// Where torrents added without a folder of their own go.
    public var defaultDirectory: String
    /// "required", "preferred" or "tolerated" (plaintext allowed but not offered), as Transmission names them.
    public var encryption: String
    public var dhtEnabled: Bool
    public var localDiscoveryEnabled: Bool
    public var peerExchangeEnabled: Bool
    public var utpEnabled: Bool
    /// Connection caps for the whole session and per torrent.
    public var maxConnections: Int
    public var maxConnectionsPerTorrent: Int
    /// The engine's name and version, e.g. "rill/0.1.0".
    public var version: String

    public init(defaultDirectory: String = "", encryption: String = "preferred", dhtEnabled: Bool = false,
                localDiscoveryEnabled: Bool = false, peerExchangeEnabled: Bool = true, utpEnabled: Bool = false,
                maxConnections: Int = 0, maxConnectionsPerTorrent: Int = 0, version: String = "") {
        self.defaultDirectory = defaultDirectory
        self.encryption = encryption
        self.dhtEnabled = dhtEnabled
        self.localDiscoveryEnabled = localDiscoveryEnabled
        self.peerExchangeEnabled = peerExchangeEnabled
        self.utpEnabled = utpEnabled
        self.maxConnections = maxConnections
        self.maxConnectionsPerTorrent = maxConnectionsPerTorrent
        self.version = version
    }
}

/// How well the DHT node is connected.
public struct DHTHealth: Sendable, Equatable {
    /// Nodes in the routing table, and how many of them answered recently.
    public var nodes: Int
    public var goodNodes: Int
    public var lookupsInFlight: Int
    /// Seconds since the last bootstrap finished; nil before the first.
    public var secondsSinceBootstrap: Double?

    public init(nodes: Int, goodNodes: Int, lookupsInFlight: Int, secondsSinceBootstrap: Double?) {
        self.nodes = nodes
        self.goodNodes = goodNodes
        self.lookupsInFlight = lookupsInFlight
        self.secondsSinceBootstrap = secondsSinceBootstrap
    }
}

/// Where a torrent is in its life: (magnet) fetchingMetadata → checking → queued → downloading →
/// seeding (or finished when it does not seed); downloading or seeding ↔ queued when the active
/// limits are reached; any → paused and back; a disk error → failed (resume retries).
public enum TorrentPhase: Sendable, Equatable {
    /// A magnet link whose file list is still being fetched from peers.
    case fetchingMetadata
    /// The data on disk is being hashed; `progress` is the fraction checked, 0…1.
    case checking(progress: Double)
    /// Waiting for a download or seed slot (see the session's active limits).
    case queued
    case downloading
    case seeding
    case finished
    case paused
    case failed(String)
}

/// One torrent's row: everything a list, a progress line or an RPC `torrent-get` needs.
public struct TorrentSnapshot: Sendable, Identifiable {
    public var id: TorrentID
    public var name: String
    /// Bytes of every file (padding excluded).
    public var totalSize: Int
    /// Bytes of the pieces the user wants (Transmission's `sizeWhenDone`).
    public var wantedSize: Int
    /// Wanted bytes not verified yet (`leftUntilDone`).
    public var leftBytes: Int
    /// Fraction of wanted bytes verified, 0…1: `1 - leftBytes / wantedSize` (1 when nothing is wanted).
    public var progress: Double
    public var phase: TorrentPhase
    public var downloadRate: Double
    public var uploadRate: Double
    /// Payload bytes over every run of the session (for ratios) and in this run only.
    public var downloaded: Int
    public var uploaded: Int
    public var sessionDownloaded: Int
    public var sessionUploaded: Int
    /// Verified pieces and all pieces (0 while a magnet's metadata is unknown).
    public var piecesHave: Int
    public var pieceCount: Int
    public var fileCount: Int
    /// Connected peers, and how many of them are seeds.
    public var peers: Int
    public var seeds: Int
    /// Addresses known and not connected now.
    public var peersKnown: Int
    /// Web seeds (BEP 19) in use: HTTP mirrors not given up on.
    public var webSeeds = 0
    /// Seeders and leechers the trackers report, when known.
    public var swarmSeeds: Int?
    public var swarmLeechers: Int?
    /// Pieces that failed their hash and were fetched again; peers banned for bad data.
    public var hashFailures: Int
    public var bannedPeers: Int
    /// The last tracker problem, if any.
    public var trackerMessage: String?
    /// Seconds to completion at the current rate, when it can be guessed.
    public var eta: Double?
    public var queuePosition: Int
    public var isPrivate: Bool
    /// Whether it keeps uploading once complete, and the ratio at which it stops.
    public var seedWhenComplete: Bool
    public var ratioGoal: Double?
    public var sequential: Bool
    /// The folder that holds the torrent's files.
    public var downloadDirectory: String
    /// Free-form tags set by the user or an RPC client.
    public var labels: [String] = []
    /// When it was added and when its wanted data was complete, in seconds since 1970 (nil: not known / not yet).
    public var addedDate: Double?
    public var doneDate: Double?
    /// Bytes of every verified piece, wanted or not (Transmission's `haveValid`).
    public var verifiedBytes = 0
    /// Bytes per piece (0 while a magnet's metadata is unknown).
    public var pieceSize = 0
    /// The torrent's own rate limits in bytes per second (nil: none beyond the session's).
    public var downloadLimit: Int?
    public var uploadLimit: Int?
    /// While its files are being moved to another folder (`setLocation` with `moveData`): the
    /// fraction of bytes moved, 0…1; nil otherwise.
    public var moveProgress: Double?

    public var ratio: Double { downloaded == 0 ? (uploaded > 0 ? .infinity : 0) : Double(uploaded) / Double(downloaded) }

    /// Every wanted piece is verified (and the data is not being checked or fetched).
    public var isComplete: Bool {
        switch phase {
        case .fetchingMetadata, .checking: false
        default: leftBytes == 0
        }
    }

    public init(id: TorrentID, name: String, totalSize: Int, progress: Double, phase: TorrentPhase,
                downloadRate: Double = 0, uploadRate: Double = 0, downloaded: Int = 0, uploaded: Int = 0,
                peers: Int = 0, seeds: Int = 0, swarmSeeds: Int? = nil, swarmLeechers: Int? = nil,
                eta: Double? = nil, queuePosition: Int = 0, isPrivate: Bool = false,
                seedWhenComplete: Bool = true, ratioGoal: Double? = nil, wantedSize: Int? = nil,
                leftBytes: Int? = nil, sessionDownloaded: Int = 0, sessionUploaded: Int = 0, piecesHave: Int = 0,
                pieceCount: Int = 0, fileCount: Int = 0, peersKnown: Int = 0, hashFailures: Int = 0,
                bannedPeers: Int = 0, trackerMessage: String? = nil, sequential: Bool = false,
                downloadDirectory: String = "") {
        self.id = id
        self.name = name
        self.totalSize = totalSize
        self.progress = progress
        self.phase = phase
        self.downloadRate = downloadRate
        self.uploadRate = uploadRate
        self.downloaded = downloaded
        self.uploaded = uploaded
        self.peers = peers
        self.seeds = seeds
        self.swarmSeeds = swarmSeeds
        self.swarmLeechers = swarmLeechers
        self.eta = eta
        self.queuePosition = queuePosition
        self.isPrivate = isPrivate
        self.seedWhenComplete = seedWhenComplete
        self.ratioGoal = ratioGoal
        let wanted = wantedSize ?? totalSize
        self.wantedSize = wanted
        self.leftBytes = leftBytes ?? Int((Double(wanted) * (1 - min(1, max(0, progress)))).rounded())
        self.sessionDownloaded = sessionDownloaded
        self.sessionUploaded = sessionUploaded
        self.piecesHave = piecesHave
        self.pieceCount = pieceCount
        self.fileCount = fileCount
        self.peersKnown = peersKnown
        self.hashFailures = hashFailures
        self.bannedPeers = bannedPeers
        self.trackerMessage = trackerMessage
        self.sequential = sequential
        self.downloadDirectory = downloadDirectory
    }
}
