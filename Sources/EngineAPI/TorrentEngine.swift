/// The engine as a front end sees it: ask for snapshots, drain events, send commands.
///
/// Every method returns at once and is safe from any thread: snapshots are published by the
/// engine a few times a second, and commands are queued. An engine may run in this process
/// (`Session`) or behind a connection (`RemoteEngine` over the Transmission RPC); front ends
/// cannot tell them apart.
public protocol TorrentEngine: Sendable {
    /// The latest published state; `detail` names the torrent whose peers, files, trackers and
    /// pieces to include (from the next publication on, if it changed).
    func snapshot(detail: TorrentID?) -> SessionSnapshot

    /// Events since the last call, oldest first.
    func drainEvents() -> [EngineEvent]

    /// Queues a command.
    func perform(_ command: EngineCommand)

    /// Carries out a command and reports what became of it. The default only queues it (`.done`).
    func submit(_ command: EngineCommand) async -> CommandOutcome

    /// Peers, files, trackers and pieces of each listed torrent, as they are now (torrents the
    /// engine does not know are left out). The default uses the published detail when it matches.
    func details(for ids: [TorrentID]) async -> [TorrentDetail]

    /// Stops using the engine: an engine running in this process saves its state, tells trackers
    /// and peers goodbye and stops; one reached over a connection would only detach. Nothing may
    /// be asked of it afterwards.
    /// Downloads the `.torrent` an http(s) URL names, the way this engine reaches the network (through
    /// its proxy, when one is set); for front ends that take URLs, such as the RPC's `torrent-add`.
    func fetchTorrentFile(from url: String) async throws -> [UInt8]

    func close() async
}

extension TorrentEngine {
    public func submit(_ command: EngineCommand) async -> CommandOutcome {
        perform(command)
        return .done
    }

    public func fetchTorrentFile(from url: String) async throws -> [UInt8] {
        throw TorrentFileUnavailable(url: url)
    }

    public func details(for ids: [TorrentID]) async -> [TorrentDetail] {
        ids.compactMap { id in snapshot(detail: id).detail.flatMap { $0.id == id ? $0 : nil } }
    }
}

/// An engine that does not fetch `.torrent` files itself was asked to.
public struct TorrentFileUnavailable: Error, CustomStringConvertible {
    public let url: String
    public var description: String { "this engine cannot download \(url); add the file itself" }
}
