import EngineAPI
import Foundation
import Storage
import SwarmLogic
import TorrentCore

extension TorrentRuntime {
    /// Stops all transfers but keeps the torrent, its verified pieces and its known peers.
    func pause() {
        guard phase != .paused, phase != .stopped else { return }
        if case .failed = phase { return }
        phase = .paused
        for peer in peers.values { peer.close(reason: "torrent paused") }
        saveResume()
        core.applyQueue()
    }

    /// Back in line: it runs as soon as the queue has a slot for it (at once without limits).
    func resume() {
        guard phase == .paused else { return }
        phase = picker.isComplete && !seedWhenComplete ? .finished : .queued
        core.applyQueue()
    }

    func setFilePriority(_ file: Int, _ level: FilePriorityLevel) throws {
        guard filePriorities.indices.contains(file) else { throw CommandError("no file \(file) in \(info.name)") }
        filePriorities[file] = FilePriority(rawValue: level.rawValue) ?? .normal
        picker.setFilePriorities(filePriorities.map(Self.piecePriority), layout: info.layout)
        refreshWantedBytes()
        if picker.isComplete, phase == .downloading {
            complete()
        } else if !picker.isComplete, phase == .seeding || phase == .finished {
            phase = .queued
            core.applyQueue()
        }
        for peer in peers.values { peer.updateInterest() }
    }

    func setSeeding(_ seeding: Bool) {
        seedWhenComplete = seeding
        guard picker.isComplete, phase == .seeding || phase == .finished || phase == .queued else { return }
        if seeding {
            if phase == .finished { phase = .queued }
        } else {
            phase = .finished
            for peer in peers.values { peer.close(reason: "seeding turned off") }
        }
        core.applyQueue()
    }

    /// Hashes the data on disk again; only matching pieces count as verified afterwards.
    func recheck() {
        let resumeTo = phase
        phase = .checking
        for peer in peers.values { peer.close(reason: "rechecking") }
        let info = self.info
        let root = downloadRoot
        core.diskPool.runIfActive(eventLoop: core.loop) {
            try DataChecker.check(info: info, root: root, resume: nil).verified
        }.assumeIsolated().whenComplete { [self] result in
            switch result {
            case .success(let verified):
                resetPicker(verified: verified)
                phase = resumeTo == .paused ? .paused : picker.isComplete && !seedWhenComplete ? .finished : .queued
                saveResume()
                core.applyQueue()
            case .failure(let error):
                phase = .failed("recheck failed: \(error)")
            }
        }
    }

    /// Removes the torrent's files (not padding, not other files) and then empty folders it made.
    static func deleteData(of info: TorrentInfo, root: String) {
        let manager = FileManager.default
        var folders: Set<String> = []
        for file in info.files where !file.isPadding {
            let path = root + "/" + file.path.joined(separator: "/")
            try? manager.removeItem(atPath: path)
            var folder = file.path.dropLast()
            while !folder.isEmpty {
                folders.insert(root + "/" + folder.joined(separator: "/"))
                folder = folder.dropLast()
            }
        }
        // Deepest first; a folder that still holds anything stays.
        for folder in folders.sorted(by: { $0.count > $1.count }) {
            if (try? manager.contentsOfDirectory(atPath: folder))?.isEmpty == true {
                try? manager.removeItem(atPath: folder)
            }
        }
    }
}

/// A command that cannot be carried out, as one sentence for the event log.
struct CommandError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
