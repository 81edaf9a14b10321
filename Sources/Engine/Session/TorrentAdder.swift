import EngineAPI
import Foundation
internal import NIOCore
import Storage
import TorrentCore

/// Adds torrents to a session: checks a torrent's data on the disk pool (trusting resume data
/// when the files are unchanged) while it shows as "checking", then registers and starts it;
/// or registers a magnet link that fetches its metadata first. Runs on the session's loop.
enum TorrentAdder {
    /// Checks the data, then adds and starts the torrent; the future fails on a duplicate or a disk error.
    static func addTorrent(_ metainfo: Metainfo, downloadDirectory: String, options: TorrentOptions,
                           announce: Bool = true, peers: [(PeerEndpoint, PeerSource)] = [],
                           in core: SessionCore) -> EventLoopFuture<TorrentRuntime> {
        let info = metainfo.info
        let hash = info.infoHash
        let registry = core.registry
        if registry.torrents[hash] != nil || registry.checking[hash] != nil {
            return core.loop.makeFailedFuture(SessionError.duplicateTorrent(hash))
        }
        // The front end sees the torrent while its data is checked.
        registry.beginCheck(PendingCheck(id: TorrentID(info), name: info.name, size: info.totalLength,
                                         fileCount: info.files.count, directory: downloadDirectory), for: hash)
        registry.reserveQueuePlace(hash)
        let loop = core.loop
        let report: PieceHasher.Progress = { done, total in
            loop.execute { registry.noteCheckProgress(hash, checked: total == 0 ? 1 : Double(done) / Double(total)) }
        }
        let resume = options.useResumeData || options.hashEvenWithResumeData ? core.resumeStore : nil
        let forgetResume = options.hashEvenWithResumeData
        let makeStorage = core.configuration.makeStorage
        let threads = core.configuration.checkThreads
        let prepared = core.diskPool.runIfActive(eventLoop: loop) { () throws -> (any TorrentStorage, DataChecker.Result) in
            // Hashing regardless: what was saved goes first, and the check saves what it finds.
            if forgetResume, let resume { try? resume.remove(for: hash) }
            let result = try DataChecker.check(info: info, root: downloadDirectory, resume: resume,
                                               threads: threads, progress: report)
            let storage = try makeStorage(info.layout, downloadDirectory, !result.verified.isComplete)
            return (storage, result)
        }
        return prepared.flatMapThrowing { storage, result in
            let verified = result.verified
            // The check read or wrote exactly this resume data.
            let resumeIsCurrent = resume != nil && result.resumeSaveError == nil
            let pending = registry.endCheck(hash)
            let peers = peers + (pending?.peers ?? []).map { ($0, PeerSource.manual) }
            let waiting = pending?.commands ?? []
            if registry.torrents[hash] != nil { throw SessionError.duplicateTorrent(hash) }
            let torrent = TorrentRuntime(metainfo: metainfo, downloadRoot: downloadDirectory, options: options,
                                         core: core, storage: storage, verified: verified,
                                         resumeIsCurrent: resumeIsCurrent, dataCheck: DataCheck(result))
            registry.insert(torrent)
            core.persistence.rememberTorrentFile(metainfo, core: core)
            if announce { core.recordEvent(.added(torrent.id, name: info.name)) }
            if let error = result.resumeSaveError {
                core.log.warning("\(info.name): could not save resume data: \(error)")
                core.recordEvent(.notice(torrent.id, "could not save resume data: \(error)"))
            }
            core.discoveryTorrentAdded(torrent)
            core.queueChanged()
            var bySource: [PeerSource: [PeerEndpoint]] = [:]
            for (endpoint, source) in peers { bySource[source, default: []].append(endpoint) }
            for (source, endpoints) in bySource { torrent.addCandidates(endpoints, source: source) }
            warnIfTheDiskIsTooSmall(torrent, in: core)
            for command in waiting { core.dispatcher.perform(command, in: core) }
            torrent.tick()
            return torrent  // the next 4 Hz snapshot shows it (restoring 1,000 need not build 1,000)
        }.flatMapErrorThrowing { error in
            registry.endCheck(hash)
            throw error
        }
    }

    /// Says so at once when the disk has less room than the torrent still needs (it would fail
    /// with "no space left" later, after hours of downloading).
    private static func warnIfTheDiskIsTooSmall(_ torrent: TorrentRuntime, in core: SessionCore) {
        guard torrent.leftBytes > 0, let free = FreeSpace.bytesAvailable(at: torrent.downloadRoot),
              free < torrent.leftBytes else { return }
        let text = "only \(free >> 20) MiB free on the disk of \(torrent.downloadRoot), "
            + "but \(torrent.leftBytes >> 20) MiB are still to download"
        core.log.warning("\(torrent.info.name): \(text)")
        core.recordEvent(.notice(torrent.id, text))
    }

    /// Starts fetching a magnet link's metadata; the torrent shows at once as fetching metadata.
    static func addMagnet(_ link: MagnetLink, downloadDirectory: String, options: TorrentOptions,
                          extraPeers: [PeerEndpoint] = [], in core: SessionCore) throws {
        if core.registry.contains(link.infoHash) { throw SessionError.duplicateTorrent(link.infoHash) }
        let magnet = MagnetTorrent(link: link, downloadRoot: downloadDirectory, options: options, core: core)
        core.registry.insert(magnet)
        core.persistence.changed()
        core.discoveryMagnetAdded(link.infoHash)
        core.recordEvent(.added(magnet.id, name: magnet.name))
        magnet.addCandidates(link.peers + extraPeers, source: .manual)
        core.publishSoon()  // once for a restored session's magnets, not once per magnet
    }

    /// The file priorities once the file list is known: the caller's own if they fit, else the
    /// selection (others skipped), else nil (all normal).
    static func priorities(_ given: [FilePriority]?, selected: [Int]?, fileCount: Int) -> [FilePriority]? {
        if let given, given.count == fileCount { return given }
        guard let selected else { return nil }
        var out = [FilePriority](repeating: .skip, count: fileCount)
        for index in selected where index >= 0 && index < fileCount { out[index] = .normal }
        return out
    }
}

extension DataCheck {
    /// The facade's account of a storage check.
    init(_ result: DataChecker.Result) {
        let source: Source = result.recovered ? .recoveredResumeData : result.fromResume ? .resumeData : .hashed
        self.init(validPieces: result.verified.setCount, pieceCount: result.verified.count, source: source)
    }
}
