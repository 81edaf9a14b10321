import EngineAPI
import Foundation
import Logging
internal import NIOCore
internal import NIOPosix
import Storage
import TorrentCore

/// A running BitTorrent engine: one listening port, any number of torrents.
///
/// Methods are safe to call from any thread or task; the work happens on the session's own
/// event loop and thread pools. Call `shutdown()` before dropping the session.
public final class Session: Sendable {
    let core: SessionCore

    /// Starts listening; throws when the port cannot be bound.
    public init(configuration: SessionConfiguration = SessionConfiguration(),
                logger: Logger = Logger(label: "rill.engine")) async throws {
        core = SessionCore(configuration: configuration, logger: logger)
        do {
            try await core.start().get()
        } catch {
            try? await core.diskPool.shutdownGracefully()
            try? await core.writePool.shutdownGracefully()
            try? await core.group.shutdownGracefully()
            throw SessionError.cannotListen(host: configuration.listenHost, port: configuration.listenPort,
                                            reason: String(describing: error))
        }
    }

    /// The TCP port peers can reach us on.
    public var listeningPort: Int {
        get async { (try? await core.loop.submit { [core] in core.listeningPort }.get()) ?? 0 }
    }

    /// Adds a torrent whose data lives (or will live) in `downloadDirectory`: finds which pieces
    /// are already there (trusting resume data when the files are unchanged), then starts it.
    /// `progress` reports the check.
    public func add(_ metainfo: Metainfo, downloadDirectory: String, options: TorrentOptions = TorrentOptions(),
                    progress: PieceHasher.Progress? = nil) async throws -> InfoHash {
        let core = self.core
        let hash = metainfo.infoHash
        let known = try await core.loop.submit { core.magnet(for: hash) != nil }.get()
        if known { throw SessionError.duplicateTorrent(hash) }
        return try await core.loop.flatSubmit {
            core.addTorrent(metainfo, downloadDirectory: downloadDirectory, options: options, progress: progress)
        }.get()
    }


    /// Brings back the torrents a session with `persistTorrents` remembered, in their old queue
    /// order and with their old choices. Returns one sentence per torrent that could not return.
    public func restoreSavedTorrents() async -> [String] {
        guard let folder = core.sessionFolder else { return [] }
        let saved: SavedSession
        do {
            guard let found = try SavedSession.load(from: folder) else { return [] }
            saved = found
        } catch {
            return ["\(error)"]
        }
        var problems: [String] = []
        for entry in saved.torrents {
            let path = SessionCore.torrentFilePath(folder: folder, hex: entry.infoHash)
            do {
                if let magnet = entry.magnet, !FileManager.default.fileExists(atPath: path) {
                    var options = TorrentOptions()
                    options.seedWhenComplete = entry.seedWhenComplete
                    options.ratioGoal = entry.ratioGoal
                    _ = try await add(magnet: try MagnetLink(parsing: magnet), downloadDirectory: entry.downloadDirectory,
                                      options: options)
                    continue
                }
                guard let data = FileManager.default.contents(atPath: path) else {
                    throw CommandError("its torrent file '\(path)' is missing")
                }
                let metainfo = try Metainfo(bytes: Array(data))
                var options = TorrentOptions()
                options.startPaused = entry.paused
                options.seedWhenComplete = entry.seedWhenComplete
                options.ratioGoal = entry.ratioGoal
                options.earlierDownloaded = entry.downloaded
                options.earlierUploaded = entry.uploaded
                if entry.filePriorities.count == metainfo.info.files.count {
                    options.filePriorities = entry.filePriorities.map { FilePriority(rawValue: $0) ?? .normal }
                }
                _ = try await add(metainfo, downloadDirectory: entry.downloadDirectory, options: options)
            } catch {
                problems.append("cannot restore torrent \(entry.infoHash): \(error)")
            }
        }
        return problems
    }

    // MARK: - Magnet links (see Magnet/SessionCore+Magnet.swift)

    /// Adds a torrent by magnet link. When its metadata was fetched before (a `<hex>.torrent` in the
    /// resume folder) it starts as a normal torrent at once; otherwise it shows as fetching metadata,
    /// dials the link's `x.pe` peers and any added later, fetches the info dictionary (BEP 9), saves it,
    /// and then checks and downloads like `add(_:downloadDirectory:options:)`. The link's `so=`
    /// selects files (others skipped) unless `options.filePriorities` fits the file list.
    public func add(magnet link: MagnetLink, downloadDirectory: String,
                    options: TorrentOptions = TorrentOptions()) async throws -> InfoHash {
        let core = self.core
        let saved = try await core.loop.submit { () throws -> Metainfo? in
            if core.hasTorrent(link.infoHash) { throw SessionError.duplicateTorrent(link.infoHash) }
            return core.savedMetadata(for: link.infoHash)
        }.get()
        if let saved {
            var options = options
            options.filePriorities = MagnetTorrent.priorities(options.filePriorities, selected: link.selectedFiles,
                                                              fileCount: saved.info.files.count)
            let hash = try await add(saved, downloadDirectory: downloadDirectory, options: options)
            addPeers(link.peers, to: hash)
            return hash
        }
        try await core.loop.submit {
            try core.addMagnet(link, downloadDirectory: downloadDirectory, options: options)
        }.get()
        return link.infoHash
    }

    /// Adds peer addresses to try for a torrent (from the command line, a magnet link, …).
    public func addPeers(_ peers: [PeerEndpoint], to infoHash: InfoHash, source: PeerSource = .manual) {
        let core = self.core
        core.loop.execute { core.addCandidates(peers, to: infoHash, source: source) }
    }

    /// The torrent's current numbers, or nil when it is not in the session.
    public func stats(for infoHash: InfoHash) async -> TorrentStats? {
        let core = self.core
        return try? await core.loop.submit {
            core.torrent(for: infoHash)?.stats() ?? core.magnet(for: infoHash)?.stats()
        }.get()
    }

    /// Returns once every wanted piece of the torrent is verified (for a magnet, after its metadata came).
    public func waitUntilComplete(_ infoHash: InfoHash) async throws {
        let core = self.core
        while try await core.loop.submit({ core.magnet(for: infoHash) != nil }).get() {
            try await Task.sleep(for: .milliseconds(100))
        }
        let future = try await core.loop.submit { () throws -> EventLoopFuture<Void> in
            guard let torrent = core.torrent(for: infoHash) else { throw SessionError.unknownTorrent(infoHash) }
            return torrent.whenComplete()
        }.get()
        try await future.get()
    }

    /// Stops one torrent, saves its resume data and removes it from the session.
    public func remove(_ infoHash: InfoHash) async {
        let core = self.core
        let stopped = try? await core.loop.submit { () -> EventLoopFuture<Void>? in
            if let magnet = core.magnet(for: infoHash) {
                magnet.stop()
                core.removeMagnet(infoHash)
                return nil
            }
            guard let torrent = core.torrent(for: infoHash) else { return nil }
            core.remove(infoHash)
            return torrent.stop()
        }.get()
        if let stopped { try? await stopped.get() }
    }

    /// Stops every torrent (saving resume data, telling trackers), closes all connections and
    /// threads. The session cannot be used afterwards.
    public func shutdown() async {
        let core = self.core
        if let done = try? await core.loop.submit({ core.shutdown() }).get() {
            try? await done.get()
        }
        await core.trackerClient?.shutdown()
        try? await core.diskPool.shutdownGracefully()
        try? await core.writePool.shutdownGracefully()
        try? await core.group.shutdownGracefully()
    }
}

/// Why the session refused a request.
public enum SessionError: Error, CustomStringConvertible, Sendable {
    case cannotListen(host: String, port: Int, reason: String)
    case duplicateTorrent(InfoHash)
    case unknownTorrent(InfoHash)

    public var description: String {
        switch self {
        case .cannotListen(let host, let port, let reason): "cannot listen on \(host):\(port): \(reason)"
        case .duplicateTorrent(let hash): "the torrent \(hash) is already in the session"
        case .unknownTorrent(let hash): "no torrent \(hash) in the session"
        }
    }
}

// MARK: - The front end's facade

extension Session: TorrentEngine {
    public func snapshot(detail: TorrentID?) -> SessionSnapshot {
        let core = self.core
        let changed = core.detailWanted.withLockedValue { wanted in
            defer { wanted = detail }
            return wanted != detail
        }
        if changed { core.loop.execute { core.publishSnapshot() } }
        return core.published.withLockedValue { $0 }
    }

    public func drainEvents() -> [EngineEvent] {
        core.events.withLockedValue { $0.drain() }
    }

    public func perform(_ command: EngineCommand) {
        let core = self.core
        switch command {
        case .add(let source, let directory):
            Task { await self.add(source, directory: directory) }
        default:
            core.loop.execute { core.perform(command) }
        }
    }

    private func add(_ source: AddSource, directory: String?) async {
        switch source {
        case .magnet(let uri):
            do {
                let link = try MagnetLink(parsing: uri)
                // From the front end the user chooses files once they are known, unless the link
                // already chose them (so=): the torrent then waits, paused, for `resume`.
                var options = TorrentOptions()
                options.startPaused = link.selectedFiles == nil
                _ = try await add(magnet: link, downloadDirectory: directory ?? core.configuration.downloadDirectory,
                                  options: options)
            } catch {
                core.recordEvent(.commandFailed("cannot add the magnet link: \(error)"))
            }
        case .torrentFile(let path):
            do {
                guard let data = FileManager.default.contents(atPath: path) else {
                    throw CommandError("cannot read '\(path)'")
                }
                let meta = try Metainfo(bytes: Array(data))
                let folder = directory ?? core.configuration.downloadDirectory
                _ = try await add(meta, downloadDirectory: folder)
            } catch {
                core.recordEvent(.commandFailed("cannot add '\(path)': \(error)"))
            }
        }
    }
}

extension SessionCore {
    /// Carries out a command on the session's loop.
    func perform(_ command: EngineCommand) {
        func torrent(_ id: TorrentID) -> TorrentRuntime? {
            guard let hash = InfoHash(text: id.hex), let found = torrents[hash] else {
                recordEvent(.commandFailed("no torrent \(id) in the session"))
                return nil
            }
            return found
        }
        if performOnMagnet(command) { return }
        switch command {
        case .add:
            break  // handled by Session, which can await the check
        case .pause(let id):
            torrent(id)?.pause()
        case .resume(let id):
            torrent(id)?.resume()
        case .remove(let id, let deleteData):
            guard let found = torrent(id) else { return }
            remove(found.infoHash)
            let info = found.info
            let root = found.downloadRoot
            found.stop().whenComplete { [self] _ in
                if let store = resumeStore { try? store.remove(for: info.infoHash) }
                forgetTorrentFile(info.infoHash)
                if deleteData {
                    diskPool.submit { _ in TorrentRuntime.deleteData(of: info, root: root) }
                }
                recordEvent(.removed(id))
            }
        case .setFilePriority(let id, let file, let level):
            do { try torrent(id)?.setFilePriority(file, level) } catch { recordEvent(.commandFailed("\(error)")) }
        case .setSeeding(let id, let seeding):
            torrent(id)?.setSeeding(seeding)
        case .recheck(let id):
            torrent(id)?.recheck()
        case .setRateLimits(let download, let upload):
            setRateLimits(download: download, upload: upload)
        case .addPeer(let id, let host, let port):
            guard let port = UInt16(exactly: port), port > 0 else {
                recordEvent(.commandFailed("port \(port) is not a valid TCP port"))
                return
            }
            torrent(id)?.addCandidates([PeerEndpoint(host: host, port: port)], source: .manual)
        case .moveInQueue(let id, let move):
            guard let found = torrent(id) else { return }
            switch move {
            case .up: self.move(found.infoHash, .up)
            case .down: self.move(found.infoHash, .down)
            case .top: self.move(found.infoHash, .top)
            case .bottom: self.move(found.infoHash, .bottom)
            }
        case .setRatioGoal(let id, let goal):
            guard let found = torrent(id) else { return }
            found.ratioGoal = goal.flatMap { $0 > 0 ? $0 : nil }
        case .setQueueLimits(let downloads, let seeds):
            maxActiveDownloads = downloads.map { max(0, $0) }
            maxActiveSeeds = seeds.map { max(0, $0) }
            applyQueue()
        }
        switch command {
        case .addPeer, .setRateLimits, .add: break
        default: sessionChanged()
        }
        publishSnapshot()
    }
}
