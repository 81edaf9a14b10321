import Foundation
internal import NIOCore
import TorrentCore

extension SessionCore {
    /// Where remembered torrents live, when this session remembers them.
    var sessionFolder: String? { configuration.persistTorrents ? configuration.resumeFolder : nil }

    /// The session as it should be remembered now.
    func savedSession() -> SavedSession {
        var saved = SavedSession()
        for hash in queue.ids {
            if let magnet = magnets[hash] {
                saved.torrents.append(SavedTorrent(
                    infoHash: hash.hex, downloadDirectory: magnet.downloadRoot, paused: false,
                    seedWhenComplete: magnet.options.seedWhenComplete, ratioGoal: magnet.options.ratioGoal,
                    filePriorities: magnet.options.filePriorities?.map(\.rawValue) ?? [], downloaded: 0, uploaded: 0,
                    magnet: magnet.link.description))
                continue
            }
            guard let torrent = torrents[hash] else { continue }
            saved.torrents.append(SavedTorrent(
                infoHash: hash.hex, downloadDirectory: torrent.downloadRoot, paused: torrent.phase == .paused,
                seedWhenComplete: torrent.seedWhenComplete, ratioGoal: torrent.ratioGoal,
                filePriorities: torrent.filePriorities.map(\.rawValue),
                downloaded: torrent.totalDownloaded, uploaded: torrent.totalUploaded))
        }
        return saved
    }

    /// Notes that the remembered list is out of date; the next tick writes it.
    func sessionChanged() {
        guard sessionFolder != nil else { return }
        sessionDirty = true
    }

    /// Writes the remembered list off the loop when it changed (or always, with `force`).
    @discardableResult
    func saveSessionIfNeeded(force: Bool = false) -> EventLoopFuture<Void>? {
        guard let folder = sessionFolder, sessionDirty || force else { return nil }
        sessionDirty = false
        let saved = savedSession()
        let log = self.log
        return diskPool.runIfActive(eventLoop: loop) {
            do { try saved.save(to: folder) } catch { log.warning("cannot save the session in \(folder): \(error)") }
        }
    }

    /// Stores a torrent's `.torrent` file so the session can bring it back after a restart.
    func rememberTorrentFile(_ metainfo: Metainfo) {
        guard let folder = sessionFolder else { return }
        writeTorrentFile(metainfo, in: folder, replacing: false)
    }

    /// Writes `<info-hash>.torrent` into `folder` atomically, off the loop; an existing file is
    /// kept unless `replacing`.
    func writeTorrentFile(_ metainfo: Metainfo, in folder: String, replacing: Bool) {
        let bytes = metainfo.torrentBytes()
        let path = Self.torrentFilePath(folder: folder, hex: metainfo.infoHash.hex)
        let log = self.log
        diskPool.submit { _ in
            if !replacing, FileManager.default.fileExists(atPath: path) { return }
            do {
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
                try Data(bytes).write(to: URL(fileURLWithPath: path), options: .atomic)
            } catch {
                log.warning("cannot store \(metainfo.name)'s torrent file in \(folder): \(error)")
            }
        }
    }

    func forgetTorrentFile(_ infoHash: InfoHash) {
        guard let folder = sessionFolder else { return }
        try? FileManager.default.removeItem(atPath: Self.torrentFilePath(folder: folder, hex: infoHash.hex))
    }

    static func torrentFilePath(folder: String, hex: String) -> String {
        URL(fileURLWithPath: folder).appendingPathComponent(hex + ".torrent").path
    }
}
