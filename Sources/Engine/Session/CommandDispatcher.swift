import EngineAPI
import Foundation
internal import NIOCore
import SwarmLogic
import TorrentCore

/// Carries out front-end commands on the session's loop. Every front end (the full-screen UI,
/// the headless commands, the daemon's RPC) comes through here; a command that cannot be done
/// becomes an `EngineEvent.commandFailed` naming the torrent, never a crash.
struct CommandDispatcher: Sendable {
    /// Carries out `command` and says what became of it; a refusal is also recorded as an event,
    /// so a front end that only queues commands still sees it. The snapshot shows the outcome at
    /// once (`publishNow`, for a caller that waits for the outcome), or after the burst of
    /// commands waiting on the loop. A publication costs the rows that changed (`SnapshotRows`);
    /// after an add it does not apply the queue, which visits every torrent and waits at most
    /// 100 ms (`queueChanged`): the new torrent is still being checked, and applying it per add
    /// made adding N torrents one by one, as an RPC client does, cost O(N²).
    @discardableResult
    func perform(_ command: EngineCommand, in core: SessionCore, publishNow: Bool = true) -> CommandOutcome {
        let outcome = carryOut(command, in: core)
        let isAdd = if case .add = command { true } else { false }
        if publishNow { core.publishSnapshot(applyingQueue: !isAdd) } else { core.publishSoon() }
        return outcome
    }

    private func carryOut(_ command: EngineCommand, in core: SessionCore) -> CommandOutcome {
        switch command {
        case .add(let source, let directory, let options):
            return add(source, directory: directory ?? core.defaultDirectory, options: options, in: core)
        case .setRateLimits(let download, let upload):
            core.setRateLimits(download: download, upload: upload)
        case .setQueueLimits(let downloads, let seeds):
            core.registry.maxActiveDownloads = downloads.map { max(0, $0) }
            core.registry.maxActiveSeeds = seeds.map { max(0, $0) }
            core.queueChanged()
        case .setDefaultDirectory(let directory):
            guard !directory.isEmpty else { return fail(nil, "the download folder cannot be empty", core) }
            core.defaultDirectory = directory
        case .pause(let id), .resume(let id), .remove(let id, _), .setFilePriority(let id, _, _),
             .setSeeding(let id, _), .setSequential(let id, _), .recheck(let id), .addPeer(let id, _, _),
             .moveInQueue(let id, _), .setRatioGoal(let id, _), .setTorrentRateLimits(let id, _, _),
             .setLabels(let id, _), .reannounce(let id), .setLocation(let id, _, _):
            if case .addPeer(_, let host, let port) = command, let hash = InfoHash(id: id),
               core.registry.checking[hash] != nil, let port = UInt16(exactly: port), port > 0 {
                // Still being checked: the peer is tried once the torrent starts.
                core.registry.checking[hash]?.peers.append(PeerEndpoint(host: host, port: port))
                return .done
            }
            if let hash = InfoHash(id: id), let pending = core.registry.checking[hash], pending.moveProgress != nil {
                return fail(id, "\(pending.name) is moving its data; try again once it is done", core)
            }
            if let hash = InfoHash(id: id), core.registry.checking[hash] != nil,
               core.registry.owner(for: hash) == nil {
                // Still being checked: the command waits for the torrent to start (in order).
                core.registry.checking[hash]?.commands.append(command)
                return .done
            }
            guard let hash = InfoHash(id: id), let owner = core.registry.owner(for: hash) else {
                return fail(id, "no torrent \(id) in the session", core)
            }
            switch owner {
            case .torrent(let torrent): return perform(command, on: torrent, in: core)
            case .magnet(let magnet): return perform(command, on: magnet, in: core)
            }
        }
        return .done
    }

    /// Records a refusal for the event queue and returns it.
    private func fail(_ id: TorrentID?, _ message: String, _ core: SessionCore) -> CommandOutcome {
        core.recordEvent(.commandFailed(id, message))
        return .failed(message)
    }

    /// Labels as the user means them: trimmed, without empties or repeats, in the order given.
    static func cleanLabels(_ labels: [String]) -> [String] {
        var seen = Set<String>()
        return labels.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
            .filter { !$0.isEmpty && seen.insert($0).inserted }
    }

    private func perform(_ command: EngineCommand, on torrent: TorrentRuntime, in core: SessionCore) -> CommandOutcome {
        switch command {
        case .pause: torrent.pause()
        case .resume: torrent.resume()
        case .remove(_, let deleteData): remove(torrent, deleteData: deleteData, in: core)
        case .setFilePriority(let id, let file, let priority):
            do { try torrent.setFilePriority(file, priority) } catch { return fail(id, "\(error)", core) }
        case .setSeeding(_, let seeding): torrent.setSeeding(seeding)
        case .setSequential(_, let sequential): torrent.setSequential(sequential)
        case .recheck: torrent.recheck()
        case .addPeer(let id, let host, let port):
            guard let port = UInt16(exactly: port), port > 0 else {
                return fail(id, "port \(port) is not a valid TCP port", core)
            }
            torrent.addCandidates([PeerEndpoint(host: host, port: port)], source: .manual)
            return .done
        case .moveInQueue(_, let move):
            if core.registry.move(torrent.infoHash, Self.queueMove(move)) { core.queueChanged() }
        case .setRatioGoal(_, let goal):
            torrent.ratioGoal = goal.flatMap { $0 > 0 ? $0 : nil }
        case .setTorrentRateLimits(_, let download, let upload):
            torrent.setRateLimits(download: download, upload: upload)
        case .setLabels(_, let labels):
            torrent.labels = Self.cleanLabels(labels)
        case .reannounce(let id):
            guard let tracker = torrent.tracker else { return fail(id, "\(torrent.info.name) has no trackers", core) }
            tracker.announceSoon()
            return .done
        case .setLocation(let id, let directory, let moveData):
            guard !directory.isEmpty else { return fail(id, "the folder cannot be empty", core) }
            let target = URL(fileURLWithPath: directory).standardizedFileURL.path
            guard target != URL(fileURLWithPath: torrent.downloadRoot).standardizedFileURL.path else {
                return fail(id, "\(torrent.info.name) is already in \(target)", core)
            }
            TorrentRelocator.relocate(torrent, to: target, moveData: moveData, in: core)
            return .done
        default:
            return .done
        }
        core.persistence.changed()
        return .done
    }

    private func perform(_ command: EngineCommand, on magnet: MagnetTorrent, in core: SessionCore) -> CommandOutcome {
        switch command {
        case .remove(let id, _):
            magnet.stop()
            core.registry.removeMagnet(magnet.infoHash)
            core.recordEvent(.removed(id))
        case .addPeer(let id, let host, let port):
            guard let port = UInt16(exactly: port), port > 0 else {
                return fail(id, "port \(port) is not a valid TCP port", core)
            }
            magnet.addCandidates([PeerEndpoint(host: host, port: port)], source: .manual)
            return .done
        case .moveInQueue(_, let move):
            if core.registry.move(magnet.infoHash, Self.queueMove(move)) { core.queueChanged() }
        case .setSeeding(_, let seeding): magnet.options.seedWhenComplete = seeding
        case .setSequential(_, let sequential): magnet.options.sequential = sequential
        case .setRatioGoal(_, let goal): magnet.options.ratioGoal = goal.flatMap { $0 > 0 ? $0 : nil }
        case .setTorrentRateLimits(_, let download, let upload):
            magnet.options.downloadRateLimit = download.flatMap { $0 > 0 ? $0 : nil }
            magnet.options.uploadRateLimit = upload.flatMap { $0 > 0 ? $0 : nil }
        case .setLabels(_, let labels): magnet.options.labels = Self.cleanLabels(labels)
        case .reannounce: return .done
        case .pause(let id), .resume(let id), .recheck(let id), .setFilePriority(let id, _, _),
             .setLocation(let id, _, _):
            return fail(id, "this torrent is still fetching its metadata", core)
        default:
            return .done
        }
        core.persistence.changed()
        return .done
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

    private func add(_ source: AddSource, directory: String, options: AddOptions, in core: SessionCore) -> CommandOutcome {
        var peers: [PeerEndpoint] = []
        for text in options.peers {
            guard let endpoint = PeerEndpoint(parsing: text) else {
                return fail(nil, "cannot add: '\(text)' is not HOST:PORT", core)
            }
            peers.append(endpoint)
        }
        var torrentOptions = TorrentOptions()
        torrentOptions.seedWhenComplete = options.seedWhenComplete
        torrentOptions.sequential = options.sequential
        torrentOptions.startPaused = options.startPaused
        torrentOptions.hashEvenWithResumeData = !options.trustResumeData
        torrentOptions.ratioGoal = options.ratioGoal.flatMap { $0 > 0 ? $0 : nil }
        torrentOptions.downloadRateLimit = options.downloadRateLimit.flatMap { $0 > 0 ? $0 : nil }
        torrentOptions.uploadRateLimit = options.uploadRateLimit.flatMap { $0 > 0 ? $0 : nil }
        torrentOptions.labels = Self.cleanLabels(options.labels)
        let metainfo: Metainfo
        switch source {
        case .magnet(let uri):
            let link: MagnetLink
            do { link = try MagnetLink(parsing: uri) } catch {
                return fail(nil, "cannot add the magnet link: \(error)", core)
            }
            return addMagnet(link, directory: directory, options: options, torrentOptions: torrentOptions, peers: peers,
                             in: core)
        case .torrentFile(let path):
            guard let data = FileManager.default.contents(atPath: path) else {
                return fail(nil, "cannot add '\(path)': the file cannot be read", core)
            }
            do { metainfo = try Metainfo(bytes: Array(data)) } catch {
                return fail(nil, "cannot add '\(path)': it is not a valid torrent: \(error)", core)
            }
        case .torrentData(let bytes):
            do { metainfo = try Metainfo(bytes: bytes) } catch {
                return fail(nil, "cannot add the torrent: it is not valid: \(error)", core)
            }
        }
        let id = TorrentID(metainfo.info)
        if let selected = options.selectedFiles {
            let count = metainfo.info.files.count
            if let bad = selected.first(where: { $0 < 0 || $0 >= count }) {
                return fail(id, "file \(bad + 1) was chosen, but the torrent has \(count) files", core)
            }
            torrentOptions.filePriorities = TorrentAdder.priorities(nil, selected: selected, fileCount: count)
        }
        if !options.filePriorities.isEmpty {
            let count = metainfo.info.files.count
            if let bad = options.filePriorities.keys.first(where: { $0 < 0 || $0 >= count }) {
                return fail(id, "file \(bad + 1) was given a priority, but the torrent has \(count) files", core)
            }
            var priorities = torrentOptions.filePriorities ?? Array(repeating: .normal, count: count)
            for (file, priority) in options.filePriorities { priorities[file] = priority }
            torrentOptions.filePriorities = priorities
        }
        if core.registry.contains(metainfo.infoHash) {
            core.recordEvent(.commandFailed(id, "the torrent \(metainfo.name) is already in the session"))
            return .duplicate(id, name: metainfo.name)
        }
        TorrentAdder.addTorrent(metainfo, downloadDirectory: directory, options: torrentOptions,
                                peers: peers.map { ($0, .manual) }, in: core)
            .whenFailure { error in core.recordEvent(.commandFailed(id, "cannot add \(metainfo.name): \(error)")) }
        return .added(id, name: metainfo.name)
    }

    private func addMagnet(_ link: MagnetLink, directory: String, options: AddOptions, torrentOptions: TorrentOptions,
                           peers: [PeerEndpoint], in core: SessionCore) -> CommandOutcome {
        var link = link
        if let selected = options.selectedFiles { link.selectedFiles = selected }
        var torrentOptions = torrentOptions
        let id = TorrentID(link)
        if core.registry.contains(link.infoHash) {
            let name = core.registry.name(of: link.infoHash) ?? link.displayName ?? link.infoHash.hex
            core.recordEvent(.commandFailed(id, "the torrent \(name) is already in the session"))
            return .duplicate(id, name: name)
        }
        if let saved = core.persistence.savedMetadata(for: link.infoHash, core: core) {
            // Fetched before: it starts as a normal torrent at once.
            torrentOptions.filePriorities = TorrentAdder.priorities(nil, selected: link.selectedFiles,
                                                                    fileCount: saved.info.files.count)
            let all = (link.peers + peers).map { ($0, PeerSource.manual) }
            TorrentAdder.addTorrent(saved, downloadDirectory: directory, options: torrentOptions, peers: all, in: core)
                .whenFailure { error in core.recordEvent(.commandFailed(id, "cannot add \(saved.name): \(error)")) }
            return .added(id, name: saved.name)
        }
        // A front end that lets the user choose files waits, paused, once they are known.
        if options.pauseForFileChoice && link.selectedFiles == nil { torrentOptions.startPaused = true }
        do {
            try TorrentAdder.addMagnet(link, downloadDirectory: directory, options: torrentOptions, extraPeers: peers,
                                       in: core)
        } catch {
            return fail(id, "cannot add the magnet link: \(error)", core)
        }
        return .added(id, name: link.displayName ?? link.infoHash.hex)
    }
}
