/// Something that may move a torrent to another state: a user command, the session queue, the
/// picker, the hasher or the disk. `TorrentLifecycle.handle` ignores events that are not legal now.
public enum LifecycleEvent: Hashable, Sendable {
    /// The user holds the torrent.
    case pause
    /// The user lets it go on; this also retries a failed torrent (the disk may have room again).
    case resume
    /// The session queue gives it a slot.
    case activate
    /// The session queue takes its slot for a torrent earlier in the queue.
    case deactivate
    /// Every wanted piece is verified now.
    case completed
    /// File priorities changed and something is wanted again.
    case becameIncomplete
    /// Keep uploading once complete, or not (a reached ratio goal sends false).
    case setSeeding(Bool)
    /// The user asks for the data on disk to be hashed again.
    case recheckStarted
    /// The hasher reports the fraction of the recheck done, 0…1.
    case recheckProgress(Double)
    /// The recheck is over; `complete` says whether every wanted piece matched.
    case recheckFinished(complete: Bool)
    /// It cannot go on, for this reason (a disk error and the like).
    case fail(String)
    /// The session shuts down or the torrent is removed.
    case stop
}
