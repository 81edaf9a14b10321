import EngineAPI
internal import NIOCore
import Storage
import TorrentCore

/// Points a torrent at another folder, moving its files there first when asked.
///
/// The torrent stops (its pieces on their way to disk land, resume data is saved), shows as
/// "moving" while `DataMover` moves the files on the disk pool, and starts again from the new
/// folder with its settings, totals and queue place. If the move fails half-way, the files are
/// all back in the old folder, the torrent starts there again, and an event says so. Without
/// moving, the data already in the new folder is hashed (nothing on disk is trusted blindly).
enum TorrentRelocator {
    static func relocate(_ torrent: TorrentRuntime, to target: String, moveData: Bool, in core: SessionCore) {
        let hash = torrent.infoHash, id = torrent.id, info = torrent.info, metainfo = torrent.metainfo
        let source = torrent.downloadRoot
        let options = torrent.currentOptions
        let registry = core.registry
        // Shown (and its queue place kept) while it is away.
        registry.beginCheck(PendingCheck(id: id, name: info.name, size: info.totalLength,
                                         fileCount: info.files.count, directory: target, moveProgress: moveData ? 0 : nil,
                                         remembered: SessionPersistence.remembered(torrent)), for: hash)
        registry.removeTorrent(hash)
        let loop = core.loop
        torrent.stop().whenComplete { _ in
            guard moveData else {
                var rehash = options
                rehash.useResumeData = false
                restart(metainfo, at: target, options: rehash, in: core)
                return
            }
            let report: DataMover.Progress = { done, total in
                loop.execute { registry.noteCheckProgress(hash, moved: total == 0 ? 1 : Double(done) / Double(total)) }
            }
            core.diskPool.runIfActive(eventLoop: loop) {
                try DataMover.move(info.layout, from: source, to: target, progress: report)
            }.whenComplete { result in
                switch result {
                case .success(let leftBehind):
                    core.log.info("\(info.name): moved its data from \(source) to \(target)")
                    core.recordEvent(.notice(id, "moved its data to \(target)"))
                    for problem in leftBehind {
                        core.recordEvent(.commandFailed(id, "moved \(info.name), but \(problem) in \(source)"))
                    }
                    restart(metainfo, at: target, options: options, in: core)
                case .failure(let error):
                    core.log.error("\(info.name): moving to \(target) failed: \(error)")
                    core.recordEvent(.commandFailed(id, "could not move \(info.name) to \(target): \(error)"))
                    // Every file is complete in the old folder (or, if even undoing failed, the
                    // event names those left in the new one): the torrent carries on from there.
                    restart(metainfo, at: source, options: options, in: core)
                }
            }
        }
    }

    private static func restart(_ metainfo: Metainfo, at folder: String, options: TorrentOptions,
                                in core: SessionCore) {
        let hash = metainfo.infoHash
        // Peers given while it was away are tried once it runs.
        let waiting = (core.registry.endCheck(hash)?.peers ?? []).map { ($0, PeerSource.manual) }
        TorrentAdder.addTorrent(metainfo, downloadDirectory: folder, options: options, announce: false,
                                peers: waiting, in: core)
            .whenFailure { error in
                let id = TorrentID(hex: hash.hex)
                core.recordEvent(.commandFailed(id, "cannot start \(metainfo.name) in \(folder): \(error)"))
            }
        core.publishSnapshot()
    }
}
