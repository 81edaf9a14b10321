import EngineAPI
import Foundation
import Logging
internal import NIOCore
internal import NIOPosix
import Storage
import TorrentCore

/// A running BitTorrent engine: one listening port, any number of torrents.
///
/// Front ends drive it only through `TorrentEngine` (snapshots, events, commands); this type
/// adds what only the process that owns the engine does: start it, restore the saved torrents,
/// and shut it down. The work happens on the session's own event loop and thread pools.
public final class Session: Sendable {
    let core: SessionCore

    /// Starts listening; throws when the port cannot be bound.
    public init(configuration: SessionConfiguration = SessionConfiguration(),
                logger: Logger = Logger(label: "rill.engine")) async throws {
        core = SessionCore(configuration: configuration, logger: logger)
        do {
            try await core.start().get()
        } catch {
            await core.closePools()
            throw SessionError.cannotListen(host: configuration.listenHost, port: configuration.listenPort,
                                            reason: String(describing: error))
        }
        if configuration.restoreSavedTorrentsOnStart { await restoreInBackground() }
    }

    /// Registers the remembered torrents before the first command can arrive (so they keep their
    /// queue places), and reports the ones that cannot come back as events while checks go on.
    private func restoreInBackground() async {
        let core = self.core
        let (problems, pending) = await core.persistence.beginRestore(into: core)
        let report: @Sendable (String) -> Void = { problem in
            core.log.warning("\(problem)")
            core.recordEvent(.commandFailed(nil, problem))
        }
        problems.forEach(report)
        Task {
            for future in pending {
                if let problem = try? await future.get() { report(problem) }
            }
        }
    }

    /// The TCP port peers can reach us on.
    public var listeningPort: Int {
        get async { (try? await core.loop.submit { [core] in core.connections.listeningPort }.get()) ?? 0 }
    }

    /// The UDP port of the session's DHT node, or nil when the DHT is off.
    public var dhtPort: Int? {
        get async {
            let core = self.core
            return try? await core.loop.submit { (core.dht ?? core.dht6)?.port }.get()
        }
    }

    /// Brings back the torrents a session with `persistTorrents` remembered, in their old queue
    /// order and with their old choices. Returns one sentence per torrent that could not return.
    public func restoreSavedTorrents() async -> [String] {
        await core.persistence.restore(into: core)
    }

    /// Stops every torrent (saving resume data, telling trackers), closes all connections and
    /// threads. The session cannot be used afterwards.
    public func shutdown() async {
        let core = self.core
        if let done = try? await core.loop.submit({ core.shutdown() }).get() {
            try? await done.get()
        }
        // Tracker exchanges still running end before the loop does.
        await core.offLoopTasks.cancelAll()
        await core.trackerClient?.shutdown()
        await core.webSeedFetcher.shutdown()
        await core.closePools()
    }
}

/// Why the session refused a request.
public enum SessionError: Error, CustomStringConvertible, Sendable {
    case cannotListen(host: String, port: Int, reason: String)
    case duplicateTorrent(InfoHash)

    public var description: String {
        switch self {
        case .cannotListen(let host, let port, let reason): "cannot listen on \(host):\(port): \(reason)"
        case .duplicateTorrent(let hash): "the torrent \(hash) is already in the session"
        }
    }
}

// MARK: - The front end's facade

extension Session: TorrentEngine {
    public func snapshot(detail: TorrentID?) -> SessionSnapshot {
        core.publisher.snapshot(detail: detail, refresh: { [core] in core.loop.execute { core.publishSnapshot() } })
    }

    public func drainEvents() -> [EngineEvent] {
        core.events.drain()
    }

    public func perform(_ command: EngineCommand) {
        let core = self.core
        core.loop.execute { core.dispatcher.perform(command, in: core, publishNow: false) }
    }

    public func submit(_ command: EngineCommand) async -> CommandOutcome {
        let core = self.core
        return (try? await core.loop.submit { core.dispatcher.perform(command, in: core) }.get())
            ?? .failed("the session has stopped")
    }

    public func details(for ids: [TorrentID]) async -> [TorrentDetail] {
        let core = self.core
        return (try? await core.loop.submit { () -> [TorrentDetail] in
            let now = core.now
            return ids.compactMap { id in
                guard let hash = InfoHash(id: id), let owner = core.registry.owner(for: hash) else { return nil }
                switch owner {
                case .torrent(let torrent): return torrent.detail(at: now)
                case .magnet(let magnet): return magnet.detail()
                }
            }
        }.get()) ?? []
    }

    public func fetchTorrentFile(from url: String) async throws -> [UInt8] {
        try await TorrentFileFetcher.fetch(url, proxy: core.configuration.proxy)
    }

    public func close() async {
        await shutdown()
    }
}
