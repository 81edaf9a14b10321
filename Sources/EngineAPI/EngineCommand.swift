/// What a front end asks the engine to do. `perform` only enqueues: the effect shows in a later
/// snapshot, and a failure comes back as an `EngineEvent.commandFailed`.
public enum EngineCommand: Sendable, Equatable {
    /// Add a `.torrent` file, its bytes, or a magnet link, downloading into `directory` or the
    /// engine's default folder, with the choices in `options`.
    case add(AddSource, directory: String? = nil, options: AddOptions = AddOptions())
    case pause(TorrentID)
    case resume(TorrentID)
    /// Stop and forget the torrent; with `deleteData`, its files are deleted too.
    case remove(TorrentID, deleteData: Bool)
    case setFilePriority(TorrentID, file: Int, FilePriority)
    /// Keep uploading once complete (true) or stop when done (false).
    case setSeeding(TorrentID, Bool)
    /// Download pieces in order (for streaming) instead of rarest first.
    case setSequential(TorrentID, Bool)
    /// Hash the data on disk again and trust only what matches.
    case recheck(TorrentID)
    /// Session-wide limits in bytes per second; nil removes a limit.
    case setRateLimits(download: Int?, upload: Int?)
    /// One torrent's own limits in bytes per second (on top of the session's); nil removes one.
    case setTorrentRateLimits(TorrentID, download: Int?, upload: Int?)
    /// Try this peer for the torrent.
    case addPeer(TorrentID, host: String, port: Int)
    /// Move the torrent in the queue that decides which torrents are active.
    case moveInQueue(TorrentID, QueueMove)
    /// Stop seeding once the upload/download ratio reaches the goal; nil seeds without a goal.
    case setRatioGoal(TorrentID, Double?)
    /// How many torrents may download and seed at once; nil means no limit.
    case setQueueLimits(downloads: Int?, seeds: Int?)
    /// Replace the torrent's labels (free-form tags that front ends sort and filter by).
    case setLabels(TorrentID, [String])
    /// Ask every tracker of the torrent for peers now.
    case reannounce(TorrentID)
    /// Point the torrent at another folder: with `moveData`, its files are moved there first;
    /// without, the data already in `directory` is checked and used.
    case setLocation(TorrentID, directory: String, moveData: Bool)
    /// Where torrents added without a folder of their own go.
    case setDefaultDirectory(String)
}

/// A step in the torrent queue; position 0 is the first to become active.
public enum QueueMove: Sendable, Equatable {
    case up, down, top, bottom
}

/// Where a new torrent comes from.
public enum AddSource: Sendable, Equatable {
    case torrentFile(path: String)
    /// The bytes of a `.torrent` file (a front end that read it already, or an RPC upload).
    case torrentData([UInt8])
    case magnet(String)
}

/// The choices made when adding a torrent. Every field has the default a user expects from a
/// plain "add".
public struct AddOptions: Sendable, Equatable {
    /// Files to download by index (0-based, as the torrent lists them); the others are skipped.
    /// nil downloads every file (or a magnet link's `so=` selection). For a magnet the selection
    /// applies once the file list is known.
    public var selectedFiles: [Int]?
    /// Keep uploading once every wanted piece is verified.
    public var seedWhenComplete = true
    /// Download in piece order (for streaming) instead of rarest first.
    public var sequential = false
    /// Add the torrent paused.
    public var startPaused = false
    /// Trust saved resume data while the files are unchanged; false hashes every piece anyway
    /// (and saves what that finds), the way `rill check` does without `--use-resume`.
    public var trustResumeData = true
    /// For a magnet link without `so=`: pause once the file list is known, so the user picks
    /// files before any data moves (what a full-screen client wants; headless commands do not).
    public var pauseForFileChoice = false
    /// Stop seeding once uploaded / downloaded reaches this ratio; nil seeds without a goal.
    public var ratioGoal: Double?
    /// Peers to try at once, as `HOST:PORT` or `[IPv6]:PORT`.
    public var peers: [String] = []
    /// The torrent's own rate limits in bytes per second; nil for none.
    public var downloadRateLimit: Int?
    public var uploadRateLimit: Int?
    /// Labels to give the torrent (see `EngineCommand.setLabels`).
    public var labels: [String] = []
    /// Priorities for some files by index, on top of `selectedFiles` (an RPC `torrent-add` sets them).
    public var filePriorities: [Int: FilePriority] = [:]

    public init(selectedFiles: [Int]? = nil, seedWhenComplete: Bool = true, sequential: Bool = false,
                startPaused: Bool = false, pauseForFileChoice: Bool = false, ratioGoal: Double? = nil,
                peers: [String] = [], downloadRateLimit: Int? = nil, uploadRateLimit: Int? = nil,
                labels: [String] = []) {
        self.labels = labels
        self.selectedFiles = selectedFiles
        self.seedWhenComplete = seedWhenComplete
        self.sequential = sequential
        self.startPaused = startPaused
        self.pauseForFileChoice = pauseForFileChoice
        self.ratioGoal = ratioGoal
        self.peers = peers
        self.downloadRateLimit = downloadRateLimit
        self.uploadRateLimit = uploadRateLimit
    }
}

/// How much a user wants one file. The engine derives piece priorities from it (a piece takes
/// the highest priority of the files it touches).
public enum FilePriority: Int, Sendable, CaseIterable, Comparable, Codable {
    case skip = 0, low, normal, high

    public static func < (a: FilePriority, b: FilePriority) -> Bool { a.rawValue < b.rawValue }
}
