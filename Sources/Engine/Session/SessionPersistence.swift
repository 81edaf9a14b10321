import EngineAPI
import Foundation
internal import NIOCore
import TorrentCore

/// Remembers the session's torrents between runs: `session.json` (queue order and each
/// torrent's choices) and `<info-hash>.torrent` files in the resume folder, written off the loop.
/// Also keeps metadata fetched for magnet links, so a restart need not fetch it again.
final class SessionPersistence: @unchecked Sendable {
    /// Where remembered torrents live; nil when this session remembers none.
    let folder: String?
    private var dirty = false

    init(folder: String?) {
        self.folder = folder
    }

    /// Notes that the remembered list is out of date; the next tick writes it.
    func changed() {
        if folder != nil { dirty = true }
    }

    /// The session as it should be remembered now.
    func savedSession(_ core: SessionCore) -> SavedSession {
        var saved = SavedSession()
        for hash in core.registry.queue.ids {
            if let torrent = core.registry.torrents[hash] {
                saved.torrents.append(Self.remembered(torrent))
            } else if let moving = core.registry.checking[hash]?.remembered {
                saved.torrents.append(moving)  // its files are on the way to another folder
            } else if let magnet = core.registry.magnets[hash] {
                saved.torrents.append(SavedTorrent(
                    infoHash: hash.hex, downloadDirectory: magnet.downloadRoot, paused: false,
                    seedWhenComplete: magnet.options.seedWhenComplete, ratioGoal: magnet.options.ratioGoal,
                    filePriorities: magnet.options.filePriorities?.map(\.rawValue) ?? [], downloaded: 0, uploaded: 0,
                    magnet: magnet.link.description, sequential: magnet.options.sequential,
                    labels: magnet.options.labels, addedDate: magnet.options.addedDate))
            }
        }
        return saved
    }

    /// How a torrent is remembered across restarts.
    static func remembered(_ torrent: TorrentRuntime) -> SavedTorrent {
        SavedTorrent(
            infoHash: torrent.infoHash.hex, downloadDirectory: torrent.downloadRoot, paused: torrent.isPaused,
            seedWhenComplete: torrent.seedWhenComplete, ratioGoal: torrent.ratioGoal,
            filePriorities: torrent.filePriorities.map(\.rawValue),
            downloaded: torrent.totalDownloaded, uploaded: torrent.totalUploaded,
            sequential: torrent.sequential, labels: torrent.labels, addedDate: torrent.addedDate,
            doneDate: torrent.doneDate)
    }

    /// Writes the remembered list off the loop when it changed (or always, with `force`).
    @discardableResult
    func saveIfNeeded(_ core: SessionCore, force: Bool = false) -> EventLoopFuture<Void>? {
        guard let folder, dirty || force else { return nil }
        dirty = false
        let saved = savedSession(core)
        let log = core.log
        return core.diskPool.runIfActive(eventLoop: core.loop) {
            do { try saved.save(to: folder) } catch { log.warning("cannot save the session in \(folder): \(error)") }
        }
    }

    /// Stores a torrent's `.torrent` file so the session can bring it back after a restart.
    func rememberTorrentFile(_ metainfo: Metainfo, core: SessionCore) {
        guard let folder else { return }
        Self.writeTorrentFile(metainfo, in: folder, replacing: false, core: core)
    }

    func forgetTorrentFile(_ infoHash: InfoHash) {
        guard let folder else { return }
        try? FileManager.default.removeItem(atPath: Self.torrentFilePath(folder: folder, hex: infoHash.hex))
    }

    // MARK: - Fetched metadata (kept whenever there is a resume folder)

    /// The saved metadata of `infoHash`, when a file is there and really is that torrent.
    func savedMetadata(for infoHash: InfoHash, core: SessionCore) -> Metainfo? {
        guard let resume = core.configuration.resumeFolder else { return nil }
        let path = Self.torrentFilePath(folder: resume, hex: infoHash.hex)
        guard let data = FileManager.default.contents(atPath: path),
              let metainfo = try? Metainfo(bytes: Array(data)), metainfo.infoHash == infoHash
        else { return nil }
        return metainfo
    }

    /// Writes fetched metadata as a `.torrent` file (on the disk pool).
    func saveMetadata(_ metainfo: Metainfo, core: SessionCore) {
        guard let resume = core.configuration.resumeFolder else { return }
        Self.writeTorrentFile(metainfo, in: resume, replacing: true, core: core)
    }

    /// Writes `<info-hash>.torrent` into `folder` atomically, off the loop; an existing file is
    /// kept unless `replacing`.
    static func writeTorrentFile(_ metainfo: Metainfo, in folder: String, replacing: Bool, core: SessionCore) {
        let bytes = metainfo.torrentBytes()
        let path = torrentFilePath(folder: folder, hex: metainfo.infoHash.hex)
        let log = core.log
        core.diskPool.submit { _ in
            if !replacing, FileManager.default.fileExists(atPath: path) { return }
            do {
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
                try Data(bytes).write(to: URL(fileURLWithPath: path), options: .atomic)
            } catch {
                log.warning("cannot store \(metainfo.name)'s torrent file in \(folder): \(error)")
            }
        }
    }

    static func torrentFilePath(folder: String, hex: String) -> String {
        URL(fileURLWithPath: folder).appendingPathComponent(hex + ".torrent").path
    }

    // MARK: - Restoring

    /// One remembered torrent, read back and ready to register.
    private enum Restored: Sendable {
        case magnet(MagnetLink, directory: String, TorrentOptions)
        case torrent(Metainfo, directory: String, TorrentOptions)
    }

    /// Reads the remembered torrents (off the loop), then registers all of them on the loop at
    /// once, in their old queue order; their data checks go on on the disk pool. Returns the
    /// problems found so far and, per torrent, a future with its problem (nil when it is back).
    /// Commands performed after this returns queue behind the restored torrents.
    func beginRestore(into core: SessionCore) async -> (problems: [String], pending: [EventLoopFuture<String?>]) {
        guard let folder else { return ([], []) }
        let saved: SavedSession
        do {
            guard let found = try SavedSession.load(from: folder) else { return ([], []) }
            saved = found
        } catch {
            return (["\(error)"], [])
        }
        var problems: [String] = []
        var restored: [(hash: String, Restored)] = []
        for entry in saved.torrents {
            do {
                restored.append((entry.infoHash, try Self.read(entry, folder: folder)))
            } catch {
                problems.append("cannot restore torrent \(entry.infoHash): \(error)")
            }
        }
        let ready = restored
        let pending = (try? await core.loop.submit {
            ready.map { hash, torrent -> EventLoopFuture<String?> in
                let problem: (any Error) -> String? = { "cannot restore torrent \(hash): \($0)" }
                switch torrent {
                case .magnet(let link, let directory, let options):
                    do {
                        try TorrentAdder.addMagnet(link, downloadDirectory: directory, options: options, in: core)
                        return core.loop.makeSucceededFuture(nil)
                    } catch {
                        return core.loop.makeSucceededFuture(problem(error))
                    }
                case .torrent(let metainfo, let directory, let options):
                    return TorrentAdder.addTorrent(metainfo, downloadDirectory: directory, options: options, in: core)
                        .map { _ in nil }.recover(problem)
                }
            }
        }.get()) ?? []
        return (problems, pending)
    }

    /// Brings back the remembered torrents and waits until every one is checked and running;
    /// one sentence per torrent that could not return.
    func restore(into core: SessionCore) async -> [String] {
        let (problems, pending) = await beginRestore(into: core)
        var all = problems
        for future in pending {
            if let problem = try? await future.get() { all.append(problem) }
        }
        return all
    }

    /// A remembered torrent from its entry and its `.torrent` file (or, before its metadata
    /// came, its magnet link), with the user's choices.
    private static func read(_ entry: SavedTorrent, folder: String) throws -> Restored {
        let path = torrentFilePath(folder: folder, hex: entry.infoHash)
        var options = TorrentOptions()
        options.seedWhenComplete = entry.seedWhenComplete
        options.ratioGoal = entry.ratioGoal
        options.sequential = entry.sequential ?? false
        options.labels = entry.labels ?? []
        options.addedDate = entry.addedDate
        options.doneDate = entry.doneDate
        if let magnet = entry.magnet, !FileManager.default.fileExists(atPath: path) {
            return .magnet(try MagnetLink(parsing: magnet), directory: entry.downloadDirectory, options)
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CommandError("its torrent file '\(path)' is missing")
        }
        let metainfo = try Metainfo(bytes: Array(data))
        options.startPaused = entry.paused
        options.earlierDownloaded = entry.downloaded
        options.earlierUploaded = entry.uploaded
        if entry.filePriorities.count == metainfo.info.files.count {
            options.filePriorities = entry.filePriorities.map { FilePriority(rawValue: $0) ?? .normal }
        }
        return .torrent(metainfo, directory: entry.downloadDirectory, options)
    }
}
