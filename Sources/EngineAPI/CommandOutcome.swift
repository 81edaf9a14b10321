/// What became of a command sent with `TorrentEngine.submit`: a front end that must answer its
/// own caller (an RPC request, a script) learns it without watching the event queue.
public enum CommandOutcome: Sendable, Equatable {
    /// Carried out (or queued inside the engine, for work that takes time, such as a recheck).
    case done
    /// A torrent was added; its data check and download follow.
    case added(TorrentID, name: String)
    /// The torrent was in the session already; nothing changed.
    case duplicate(TorrentID, name: String)
    /// Refused, with one sentence for the user.
    case failed(String)
}
