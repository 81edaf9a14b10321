/// What the torrent's owner must do after a transition, in the order given. The lifecycle only
/// decides; sockets, disk, trackers and the session queue stay with the owner. `queueChanged`
/// always comes last, because re-running the queue may hand the lifecycle its next event.
public enum LifecycleEffect: Hashable, Sendable {
    /// Close every peer connection, logging this reason.
    case closePeers(reason: String)
    /// Dial the known peers now, back-offs forgotten: it has just been given a slot.
    case connectPeers
    /// Write resume data so a restart need not hash again.
    case saveResume
    /// The slot it needs changed: the session should run its queue again.
    case queueChanged
    /// The download is done: announce `completed`, tell waiters, drop seeds, update interest.
    case downloadFinished
    /// Log this failure and report it to the front end.
    case reportFailure(String)
    /// Hash the data on disk again; the result comes back as `recheckProgress`/`recheckFinished`.
    case startRecheck
}
