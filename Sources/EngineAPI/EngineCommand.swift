/// What a front end asks the engine to do. `perform` only enqueues: the effect shows in a later
/// snapshot, and a failure comes back as an `EngineEvent.commandFailed`.
public enum EngineCommand: Sendable, Equatable {
    /// Add a `.torrent` file or a magnet link, downloading into `directory` or the default.
    case add(AddSource, directory: String?)
    case pause(TorrentID)
    case resume(TorrentID)
    /// Stop and forget the torrent; with `deleteData`, its files are deleted too.
    case remove(TorrentID, deleteData: Bool)
    case setFilePriority(TorrentID, file: Int, FilePriorityLevel)
    /// Keep uploading once complete (true) or stop when done (false).
    case setSeeding(TorrentID, Bool)
    /// Hash the data on disk again and trust only what matches.
    case recheck(TorrentID)
    /// Session-wide limits in bytes per second; nil removes a limit.
    case setRateLimits(download: Int?, upload: Int?)
    /// Try this peer for the torrent.
    case addPeer(TorrentID, host: String, port: Int)
    /// Move the torrent in the queue that decides which torrents are active.
    case moveInQueue(TorrentID, QueueMove)
    /// Stop seeding once the upload/download ratio reaches the goal; nil seeds without a goal.
    case setRatioGoal(TorrentID, Double?)
    /// How many torrents may download and seed at once; nil means no limit.
    case setQueueLimits(downloads: Int?, seeds: Int?)
}

/// A step in the torrent queue; position 0 is the first to become active.
public enum QueueMove: Sendable, Equatable {
    case up, down, top, bottom
}

/// Where a new torrent comes from.
public enum AddSource: Sendable, Equatable {
    case torrentFile(path: String)
    case magnet(String)
}

/// How much a user wants one file.
public enum FilePriorityLevel: Int, Sendable, CaseIterable, Comparable {
    case skip = 0, low, normal, high

    public static func < (a: FilePriorityLevel, b: FilePriorityLevel) -> Bool { a.rawValue < b.rawValue }
}
