import EngineAPI
import Foundation
internal import NIOCore
import SwarmLogic
import TorrentCore

/// Carries out front-end commands on the session's loop. Every front end (the full-screen UI,
/// the headless commands, the daemon's RPC) comes through here; a command that cannot be done
/// becomes an `EngineEvent.commandFailed` naming the torrent, never a crash.
struct CommandDispatcher: Sendable {
    func perform(_ command: EngineCommand, in core: SessionCore) {
        switch command {
        case .add(let source, let directory, let options):
            add(source, directory: directory ?? core.configuration.downloadDirectory, options: options, in: core)
            return
        case .setRateLimits(let download, let upload):
            core.setRateLimits(download: download, upload: upload)
        case .setQueueLimits(let downloads, let seeds):
            core.registry.maxActiveDownloads = downloads.map { max(0, $0) }
            core.registry.maxActiveSeeds = seeds.map { max(0, $0) }
            core.queueChanged()
        case .pause(let id), .resume(let id), .remove(let id, _), .setFilePriority(let id, _, _),
             .setSeeding(let id, _), .setSequential(let id, _), .recheck(let id), .addPeer(let id, _, _),
             .moveInQueue(let id, _), .setRatioGoal(let id, _), .setTorrentRateLimits(let id, _, _):
            if case .addPeer(_, let host, let port) = command, let hash = InfoHash(id: id),
               core.registry.checking[hash] != nil, let port = UInt16(exactly: port), port > 0 {
                // Still being checked: the peer is tried once the torrent starts.
                core.registry.checking[hash]?.peers.append(PeerEndpoint(host: host, port: port))
                return
            }
            guard let hash = InfoHash(id: id), let owner = core.registry.owner(for: hash) else {
                return core.recordEvent(.commandFailed(id, "no torrent \(id) in the session"))
            }
            switch owner {
            case .torrent(let torrent): perform(command, on: torrent, in: core)
            case .magnet(let magnet): perform(command, on: magnet, in: core)
            }
        }
        core.publishSnapshot()
    }

    private func perform(_ command: EngineCommand, on torrent: TorrentRuntime, in core: SessionCore) {
        switch command {
        case .pause: torrent.pause()
        case .resume: torrent.resume()
        case .remove(_, let deleteData): remove(torrent, deleteData: deleteData, in: core)
        case .setFilePriority(let id, let file, let priority):
            do { try torrent.setFilePriority(file, priority) } catch { core.recordEvent(.commandFailed(id, "\(error)")) }
        case .setSeeding(_, let seeding): torrent.setSeeding(seeding)
        case .setSequential(_, let sequential): torrent.setSequential(sequential)
        case .recheck: torrent.recheck()
        case .addPeer(let id, let host, let port):
            guard let port = UInt16(exactly: port), port > 0 else {
                return core.recordEvent(.commandFailed(id, "port \(port) is not a valid TCP port"))
            }
            torrent.addCandidates([PeerEndpoint(host: host, port: port)], source: .manual)
            return
        case .moveInQueue(_, let move):
            if core.registry.move(torrent.infoHash, Self.queueMove(move)) { core.queueChanged() }
        case .setRatioGoal(_, let goal):
            torrent.ratioGoal = goal.flatMap { $0 > 0 ? $0 : nil }
        case .setTorrentRateLimits(_, let download, let upload):
            torrent.setRateLimits(download: download, upload: upload)
        default:
            return
        }
        core.persistence.changed()
    }

    private func perform(_ command: EngineCommand, on magnet: MagnetTorrent, in core: SessionCore) {
        switch command {
        case .remove(let id, _):
            magnet.stop()
            core.registry.removeMagnet(magnet.infoHash)
            core.persistence.changed()
            core.recordEvent(.removed(id))
        case .addPeer(let id, let host, let port):
            guard let port = UInt16(exactly: port), port > 0 else {
                return core.recordEvent(.commandFailed(id, "port \(port) is not a valid TCP port"))
            }
            magnet.addCandidates([PeerEndpoint(host: host, port: port)], source: .manual)
        case .moveInQueue(_, let move):
            if core.registry.move(magnet.infoHash, Self.queueMove(move)) { core.queueChanged() }
        case .setSeeding(_, let seeding): magnet.options.seedWhenComplete = seeding
        case .setSequential(_, let sequential): magnet.options.sequential = sequential
        case .setRatioGoal(_, let goal): magnet.options.ratioGoal = goal.flatMap { $0 > 0 ? $0 : nil }
        case .setTorrentRateLimits(_, let download, let upload):
            magnet.options.downloadRateLimit = download.flatMap { $0 > 0 ? $0 : nil }
            magnet.options.uploadRateLimit = upload.flatMap { $0 > 0 ? $0 : nil }
        case .pause(let id), .resume(let id), .recheck(let id), .setFilePriority(let id, _, _):
            core.recordEvent(.commandFailed(id, "this torrent is still fetching its metadata"))
        default:
            break
        }
    }

    private func remove(_ torrent: TorrentRuntime, deleteData: Bool, in core: SessionCore) {
        core.registry.removeTorrent(torrent.infoHash)
        core.queueChanged()
        let info = torrent.info
        let root = torrent.downloadRoot
        torrent.stop().whenComplete { _ in
            if let store = core.resumeStore { try? store.remove(for: info.infoHash) }
            core.persistence.forgetTorrentFile(info.infoHash)
            if deleteData {
                let events = core.events
                let id = torrent.id
                core.diskPool.submit { _ in
                    for problem in TorrentRuntime.deleteData(of: info, root: root) {
                        events.record(.commandFailed(id, "kept some data of \(info.name): \(problem)"))
                    }
                }
            }
            core.recordEvent(.removed(torrent.id))
        }
    }

    static func queueMove(_ move: QueueMove) -> QueueOrder<InfoHash>.Move {
        switch move {
        case .up: .up
        case .down: .down
        case .top: .top
        case .bottom: .bottom
        }
    }

    // MARK: - Adding

    private func add(_ source: AddSource, directory: String, options: AddOptions, in core: SessionCore) {
        var peers: [PeerEndpoint] = []
        for text in options.peers {
            guard let endpoint = PeerEndpoint(parsing: text) else {
                return core.recordEvent(.commandFailed(nil, "cannot add: '\(text)' is not HOST:PORT"))
            }
            peers.append(endpoint)
        }
        var torrentOptions = TorrentOptions()
        torrentOptions.seedWhenComplete = options.seedWhenComplete
        torrentOptions.sequential = options.sequential
        torrentOptions.startPaused = options.startPaused
        torrentOptions.ratioGoal = options.ratioGoal.flatMap { $0 > 0 ? $0 : nil }
        torrentOptions.downloadRateLimit = options.downloadRateLimit.flatMap { $0 > 0 ? $0 : nil }
        torrentOptions.uploadRateLimit = options.uploadRateLimit.flatMap { $0 > 0 ? $0 : nil }
        let metainfo: Metainfo
        switch source {
        case .magnet(let uri):
            let link: MagnetLink
            do { link = try MagnetLink(parsing: uri) } catch {
                return core.recordEvent(.commandFailed(nil, "cannot add the magnet link: \(error)"))
            }
            addMagnet(link, directory: directory, options: options, torrentOptions: torrentOptions, peers: peers,
                      in: core)
            return
        case .torrentFile(let path):
            guard let data = FileManager.default.contents(atPath: path) else {
                return core.recordEvent(.commandFailed(nil, "cannot add '\(path)': the file cannot be read"))
            }
            do { metainfo = try Metainfo(bytes: Array(data)) } catch {
                return core.recordEvent(.commandFailed(nil, "cannot add '\(path)': it is not a valid torrent: \(error)"))
            }
        case .torrentData(let bytes):
            do { metainfo = try Metainfo(bytes: bytes) } catch {
                return core.recordEvent(.commandFailed(nil, "cannot add the torrent: it is not valid: \(error)"))
            }
        }
        let id = TorrentID(metainfo.info)
        if let selected = options.selectedFiles {
            let count = metainfo.info.files.count
            if let bad = selected.first(where: { $0 < 0 || $0 >= count }) {
                return core.recordEvent(.commandFailed(id, "file \(bad + 1) was chosen, but the torrent has \(count) files"))
            }
            torrentOptions.filePriorities = TorrentAdder.priorities(nil, selected: selected, fileCount: count)
        }
        if core.registry.contains(metainfo.infoHash) {
            return core.recordEvent(.commandFailed(id, "the torrent \(metainfo.name) is already in the session"))
        }
        TorrentAdder.addTorrent(metainfo, downloadDirectory: directory, options: torrentOptions,
                                peers: peers.map { ($0, .manual) }, in: core)
            .whenFailure { error in core.recordEvent(.commandFailed(id, "cannot add \(metainfo.name): \(error)")) }
    }

    private func addMagnet(_ link: MagnetLink, directory: String, options: AddOptions, torrentOptions: TorrentOptions,
                           peers: [PeerEndpoint], in core: SessionCore) {
        var link = link
        if let selected = options.selectedFiles { link.selectedFiles = selected }
        var torrentOptions = torrentOptions
        let id = TorrentID(link)
        if core.registry.contains(link.infoHash) {
            return core.recordEvent(.commandFailed(id, "the torrent \(link.infoHash) is already in the session"))
        }
        if let saved = core.persistence.savedMetadata(for: link.infoHash, core: core) {
            // Fetched before: it starts as a normal torrent at once.
            torrentOptions.filePriorities = TorrentAdder.priorities(nil, selected: link.selectedFiles,
                                                                    fileCount: saved.info.files.count)
            let all = (link.peers + peers).map { ($0, PeerSource.manual) }
            TorrentAdder.addTorrent(saved, downloadDirectory: directory, options: torrentOptions, peers: all, in: core)
                .whenFailure { error in core.recordEvent(.commandFailed(id, "cannot add \(saved.name): \(error)")) }
            return
        }
        // A front end that lets the user choose files waits, paused, once they are known.
        if options.pauseForFileChoice && link.selectedFiles == nil { torrentOptions.startPaused = true }
        do {
            try TorrentAdder.addMagnet(link, downloadDirectory: directory, options: torrentOptions, extraPeers: peers,
                                       in: core)
        } catch {
            core.recordEvent(.commandFailed(id, "cannot add the magnet link: \(error)"))
        }
    }
}
