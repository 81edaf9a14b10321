import EngineAPI
import Storage
import TorrentCore

/// Settings of one engine session: where it listens and how much it may do at once.
public struct SessionConfiguration: Sendable {
    /// Address to accept peers on; `0.0.0.0` for every IPv4 address, `::` for IPv6 and IPv4.
    public var listenHost: String = "0.0.0.0"
    /// TCP port for incoming peers; 0 lets the system choose.
    public var listenPort: Int = 6881
    /// Accept and dial peers over uTP (BEP 29) too, on the UDP port of the same number. Off in the
    /// library, like the DHT (a new peer is dialled over uTP first, which costs 1 s for a
    /// dead or TCP-only address); the command line and the UI turn it on unless told `--no-utp`.
    public var useUTP = false
    /// Open peer connections across all torrents.
    public var maxConnections = 200
    /// Open peer connections per torrent.
    public var maxConnectionsPerTorrent = 80
    /// Outgoing connections still connecting or handshaking.
    public var maxHalfOpen = 32
    /// Open connections from or to one IP address, so one host cannot take every slot.
    public var maxConnectionsPerIP = 8
    /// When a torrent (or the session) is full, a newcomer takes the place of a peer that has
    /// been connected this long with neither side interested and no data either way; while
    /// downloading, such a peer we dialled is dropped and dialled again for a fresh bitfield.
    public var idlePeerEvictionAge: Duration = .seconds(60)
    /// Regular upload slots per torrent (one optimistic slot comes on top).
    public var uploadSlots = 4
    /// Bytes per second for all torrents together; nil means unlimited.
    public var downloadRateLimit: Int?
    public var uploadRateLimit: Int?
    /// Folder for resume data; nil keeps none.
    public var resumeFolder: String?
    /// Threads that hash and write pieces and read blocks for upload.
    public var diskThreads = 2
    /// Whether to ask the torrents' trackers for peers.
    public var useTrackers = true
    /// Where torrents added without a folder are downloaded.
    public var downloadDirectory = "."
    /// Message Stream Encryption: accepted both ways by default, used for outgoing connections
    /// when a peer insists.
    public var encryption = EncryptionPolicy.enabled
    /// Client name sent in the extension handshake.
    public var clientName = "rill/0.1.0"
    /// How many torrents may download, and how many seed, at once (the rest wait in the queue);
    /// nil means no limit.
    public var maxActiveDownloads: Int?
    public var maxActiveSeeds: Int?
    /// Remember the torrents, their settings and queue order in `resumeFolder`, so that
    /// `Session.restoreSavedTorrents()` brings them back after a restart.
    public var persistTorrents = false
    /// Bring the remembered torrents back as the session starts (problems come as events), instead
    /// of waiting for `Session.restoreSavedTorrents()`.
    public var restoreSavedTorrentsOnStart = false
    // MARK: DHT and LSD (off unless asked for)
    /// The Mainline DHT node (BEP 5).
    public var dht = DHTSettings()
    /// Local Service Discovery (BEP 14): multicast announces on the local network.
    public var localDiscovery = false
    /// A SOCKS5 proxy for every outgoing connection (peers, HTTP(S) trackers, web seeds; UDP
    /// trackers and the DHT through its UDP relay when it grants one). With one set, nothing
    /// listens for incoming peers and uTP and LSD stay off, so no traffic goes around the proxy.
    public var proxy: SOCKS5Proxy?
    /// Bytes of pieces held in memory while they are assembled and on their way to the disk;
    /// above it no new blocks are requested until the disk catches up.
    public var maxPieceBufferBytes = 64 << 20
    /// Opens a torrent's storage: its layout, its download folder, and whether the files must be
    /// created or sized (false when every piece is already there). Files by default; tests
    /// inject memory or a failing disk.
    public var makeStorage: StorageFactory = SessionConfiguration.fileStorage
    /// Threads that hash a torrent's data when it is added or rechecked (default: one per core).
    public var checkThreads = PieceHasher.defaultThreads

    public init() {}

    /// Where a torrent's bytes live: `FileStorage` below the download folder, written with O_DIRECT
    /// where the file system allows it.
    public static let fileStorage: StorageFactory = fileStorage(directWrites: true)

    /// `FileStorage` below the download folder that only reads: it creates, sizes and writes no
    /// file (for checking data in place, as `rill check` does).
    public static let readOnlyFileStorage: StorageFactory = { layout, root, _ in
        try FileStorage(root: root, layout: layout, mode: .readOnly, directWrites: false)
    }

    /// `FileStorage` below the download folder; `directWrites` false keeps every write in the page cache.
    public static func fileStorage(directWrites: Bool) -> StorageFactory {
        { layout, root, prepare in
            let storage = try FileStorage(root: root, layout: layout, mode: .readWrite, directWrites: directWrites)
            if prepare { try storage.prepare() }
            return storage
        }
    }
}

/// Opens a torrent's storage; see `SessionConfiguration.makeStorage`.
public typealias StorageFactory = @Sendable (_ layout: FileLayout, _ root: String, _ prepare: Bool) throws -> any TorrentStorage

/// Per-torrent choices made when adding it (from `AddOptions`, or restored from a saved session).
struct TorrentOptions: Sendable {
    /// Keep uploading once every wanted piece is verified.
    var seedWhenComplete = true
    /// Download pieces in order (for streaming) instead of rarest first.
    var sequential = false
    /// Priority per file (same order as the torrent's files); nil means all normal.
    var filePriorities: [FilePriority]?
    /// Per-torrent rate limits in bytes per second.
    var downloadRateLimit: Int?
    var uploadRateLimit: Int?
    /// Trust resume data instead of rehashing when the files are unchanged.
    var useResumeData = true
    /// Hash the data even when resume data would answer, and save what the hashing finds.
    var hashEvenWithResumeData = false
    /// Stop seeding once uploaded / downloaded reaches this ratio; nil seeds without a goal.
    var ratioGoal: Double?
    /// Add the torrent paused.
    var startPaused = false
    /// Payload bytes moved in earlier runs, so ratios survive restarts.
    var earlierDownloaded = 0
    var earlierUploaded = 0
    /// The user's tags.
    var labels: [String] = []
    /// When the torrent was first added and when it completed, in seconds since 1970 (kept across runs).
    var addedDate: Double?
    var doneDate: Double?

    init() {}
}
