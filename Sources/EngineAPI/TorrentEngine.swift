/// The engine as a front end sees it: ask for snapshots, drain events, send commands.
///
/// Every method returns at once and is safe from any thread: snapshots are published by the
/// engine a few times a second, and commands are queued.
public protocol TorrentEngine: Sendable {
    /// The latest published state; `detail` names the torrent whose peers, files, trackers and
    /// pieces to include (from the next publication on, if it changed).
    func snapshot(detail: TorrentID?) -> SessionSnapshot

    /// Events since the last call, oldest first.
    func drainEvents() -> [EngineEvent]

    /// Queues a command.
    func perform(_ command: EngineCommand)

    /// Stops using the engine: an engine running in this process saves its state, tells trackers
    /// and peers goodbye and stops; one reached over a connection would only detach. Nothing may
    /// be asked of it afterwards.
    func close() async
}
