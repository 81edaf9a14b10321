import EngineAPI
internal import NIOCore
import Storage
import SwarmLogic
import TorrentCore

/// What front-end commands do to one torrent. State changes go through the lifecycle.
extension TorrentRuntime {
    /// Stops all transfers but keeps the torrent, its verified pieces and its known peers.
    func pause() { handle(.pause) }

    /// Back in line: it runs as soon as the queue has a slot for it (at once without limits).
    /// A failed torrent (say, the disk was full) tries again.
    func resume() { handle(.resume) }

    func setSeeding(_ seeding: Bool) { handle(.setSeeding(seeding)) }

    func setFilePriority(_ file: Int, _ priority: FilePriority) throws {
        guard filePriorities.indices.contains(file) else { throw CommandError("no file \(file) in \(info.name)") }
        filePriorities[file] = priority
        picker.setFilePriorities(filePriorities.map(Self.piecePriority), layout: info.layout)
        refreshWantedBytes()
        handle(picker.isComplete ? .completed : .becameIncomplete)
        for peer in swarm.values { updateInterest(peer) }
    }

    func setRateLimits(download: Int?, upload: Int?) {
        downloadLimit = download.flatMap { $0 > 0 ? TokenBucket(rate: $0) : nil }
        uploadLimit = upload.flatMap { $0 > 0 ? TokenBucket(rate: $0) : nil }
        if downloadLimit != nil || uploadLimit != nil { core.startRateTicker() }
    }

    func setSequential(_ sequential: Bool) {
        self.sequential = sequential
        picker.sequential = sequential
    }

    /// The torrent's settings and totals as options, to start it again as it is (after a move).
    var currentOptions: TorrentOptions {
        var options = TorrentOptions()
        options.seedWhenComplete = seedWhenComplete
        options.sequential = sequential
        options.filePriorities = filePriorities
        options.downloadRateLimit = downloadLimit?.rate
        options.uploadRateLimit = uploadLimit?.rate
        options.ratioGoal = ratioGoal
        options.startPaused = isPaused
        options.earlierDownloaded = totalDownloaded
        options.earlierUploaded = totalUploaded
        options.labels = labels
        options.addedDate = addedDate
        options.doneDate = doneDate
        return options
    }

    /// Hashes the data on disk again; only matching pieces count as verified afterwards.
    func recheck() { handle(.recheckStarted) }

    func startRecheck() {
        let info = self.info
        let root = downloadRoot
        let loop = core.loop
        let threads = core.configuration.checkThreads
        let report: PieceHasher.Progress = { [self] done, total in
            loop.execute { self.handle(.recheckProgress(total == 0 ? 1 : Double(done) / Double(total))) }
        }
        core.diskPool.runIfActive(eventLoop: loop) {
            try DataChecker.check(info: info, root: root, resume: nil, threads: threads, progress: report)
        }.assumeIsolated().whenComplete { [self] result in
            switch result {
            case .success(let checked):
                let verified = checked.verified
                dataCheck = DataCheck(checked)
                picker = Self.makePicker(info: info, filePriorities: filePriorities, sequential: sequential,
                                         verified: verified)
                for seed in webSeeds { picker.peerHasAll(seed.key) }
                resumeKeeper?.restart(verified: verified)
                refreshWantedBytes()
                assembly.discardAll()
                trust.forgetFailedCopies()
                handle(.recheckFinished(complete: picker.isComplete))
            case .failure(let error):
                handle(.fail("recheck failed: \(error)"))
            }
        }
    }

    /// Removes the torrent's files (not padding, not other files) and then empty folders it made,
    /// never through a symbolic link; returns what stayed behind, and why.
    static func deleteData(of info: TorrentInfo, root: String) -> [StorageError] {
        FileStorage.deleteFiles(of: info.layout, root: root)
    }
}

/// A command that cannot be carried out, as one sentence for the event log.
struct CommandError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
