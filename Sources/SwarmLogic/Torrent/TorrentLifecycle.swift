/// A torrent's state with every legal transition in one place (the table is above `TorrentState`).
/// Pure: `handle` returns the effects and the owner carries them out, so the rules can be tested
/// without sockets or disks, and no command path can forget to close peers or re-run the queue.
///
/// The owner passes `isComplete` (the picker knows) with every event; the lifecycle remembers the
/// last value so `queueKind` can tell a seed candidate from a download.
public struct TorrentLifecycle: Hashable, Sendable {
    /// Where the torrent is now; only `handle` changes it.
    public private(set) var state: TorrentState
    /// Keep uploading once complete.
    public private(set) var seedWhenComplete: Bool
    /// Every wanted piece verified, as of the last event.
    private var isComplete: Bool
    /// While checking: where to land when the check is done, paused or not.
    private var pausedAfterCheck = false

    /// After the first data check: paused if asked, finished if there is nothing to do, else in line.
    public init(checkedComplete: Bool, startPaused: Bool, seedWhenComplete: Bool) {
        self.seedWhenComplete = seedWhenComplete
        self.isComplete = checkedComplete
        state = startPaused ? .paused : checkedComplete && !seedWhenComplete ? .finished : .queued
    }

    /// The slot it needs from the session queue, or nil when it should not run at all.
    public var queueKind: QueueSlots.Kind? {
        switch state {
        case .downloading: .download
        case .seeding: .seed
        case .queued: isComplete ? (seedWhenComplete ? .seed : nil) : .download
        case .checking, .finished, .paused, .stopped, .failed: nil
        }
    }

    /// Has a slot: may hold peer connections.
    public var isRunning: Bool { state == .downloading || state == .seeding }

    /// Has every wanted piece, so at most uploads (choking and reconnects behave as a seed's).
    public var isUploadingOnly: Bool { state == .seeding || state == .finished }

    /// Where a complete torrent rests when it is not held: in line for a seed slot, or finished.
    private var restingState: TorrentState { isComplete && !seedWhenComplete ? .finished : .queued }

    // MARK: - Transitions

    /// Applies `event` if it is legal now and returns what the owner must do; an illegal event
    /// leaves the state alone and returns no effects. `isComplete`: every wanted piece verified
    /// right now (remembered even when the event is ignored, for `queueKind`).
    public mutating func handle(_ event: LifecycleEvent, isComplete: Bool) -> [LifecycleEffect] {
        if state == .stopped { return [] }
        self.isComplete = isComplete
        switch event {
        case .pause: return pause()
        case .resume: return resume()
        case .activate: return activate()
        case .deactivate: return deactivate()
        case .completed: return completed()
        case .becameIncomplete: return becameIncomplete()
        case .setSeeding(let seeding): return setSeeding(seeding)
        case .recheckStarted: return recheckStarted()
        case .recheckProgress(let fraction): return recheckProgress(fraction)
        case .recheckFinished(let complete): return recheckFinished(complete: complete)
        case .fail(let reason): return fail(reason)
        case .stop: return stop()
        }
    }

    private mutating func pause() -> [LifecycleEffect] {
        switch state {
        case .queued, .downloading, .seeding, .finished:
            state = .paused
            return [.closePeers(reason: "torrent paused"), .saveResume, .queueChanged]
        case .checking:
            // The check runs to its end (it has no peers); it then lands paused.
            pausedAfterCheck = true
            return []
        case .paused, .failed, .stopped:
            return []
        }
    }

    private mutating func resume() -> [LifecycleEffect] {
        switch state {
        case .paused, .failed:
            state = restingState
            return [.queueChanged]
        case .checking:
            pausedAfterCheck = false
            return []
        case .queued, .downloading, .seeding, .finished, .stopped:
            return []
        }
    }

    private mutating func activate() -> [LifecycleEffect] {
        guard state == .queued else { return [] }
        if !isComplete {
            state = .downloading
        } else if seedWhenComplete {
            state = .seeding
        } else {
            // Complete and not seeding: nothing to run, so it rests as finished.
            state = .finished
            return []
        }
        return [.connectPeers]
    }

    private mutating func deactivate() -> [LifecycleEffect] {
        guard isRunning else { return [] }
        state = .queued
        return [.closePeers(reason: "queued behind other torrents")]
    }

    /// Only a running download changes state. A queued torrent whose last wanted files were
    /// skipped also finishes; a paused one stays paused. All three report the download as done.
    private mutating func completed() -> [LifecycleEffect] {
        switch state {
        case .downloading:
            state = seedWhenComplete ? .seeding : .finished
            var effects: [LifecycleEffect] = [.saveResume, .downloadFinished]
            if !seedWhenComplete { effects.append(.closePeers(reason: "download complete")) }
            return effects + [.queueChanged]
        case .queued:
            state = restingState
            return [.saveResume, .downloadFinished, .queueChanged]
        case .paused:
            // A piece on its way to disk when the user paused was the last one.
            return [.saveResume, .downloadFinished]
        case .checking, .seeding, .finished, .failed, .stopped:
            return []
        }
    }

    /// A seed keeps its slot and peers as a download (the re-run queue may take the slot); a
    /// finished torrent gets back in line.
    private mutating func becameIncomplete() -> [LifecycleEffect] {
        switch state {
        case .seeding:
            state = .downloading
            return [.connectPeers, .queueChanged]
        case .finished:
            state = .queued
            return [.queueChanged]
        case .queued:
            return [.queueChanged]  // a seed candidate (or none) is a download candidate now
        case .checking, .downloading, .paused, .failed, .stopped:
            return []
        }
    }

    private mutating func setSeeding(_ seeding: Bool) -> [LifecycleEffect] {
        guard seeding != seedWhenComplete else { return [] }
        seedWhenComplete = seeding
        guard isComplete else { return [] }
        switch (state, seeding) {
        case (.finished, true):
            state = .queued
            return [.queueChanged]
        case (.queued, true):
            return [.queueChanged]  // it now wants a seed slot
        case (.seeding, false):
            state = .finished
            return [.closePeers(reason: "seeding turned off"), .queueChanged]
        case (.queued, false):
            state = .finished
            return [.queueChanged]
        default:
            return []  // kept for when it completes, is resumed or its check ends
        }
    }

    private mutating func recheckStarted() -> [LifecycleEffect] {
        switch state {
        case .checking, .stopped:
            return []  // one check at a time
        case .queued, .downloading, .seeding, .finished, .paused, .failed:
            pausedAfterCheck = state == .paused
            state = .checking(progress: 0)
            return [.closePeers(reason: "rechecking"), .startRecheck]
        }
    }

    private mutating func recheckProgress(_ fraction: Double) -> [LifecycleEffect] {
        guard case .checking = state, !fraction.isNaN else { return [] }
        state = .checking(progress: min(1, max(0, fraction)))
        return []
    }

    private mutating func recheckFinished(complete: Bool) -> [LifecycleEffect] {
        guard case .checking = state else { return [] }
        isComplete = complete
        state = pausedAfterCheck ? .paused : restingState
        pausedAfterCheck = false
        return [.saveResume, .queueChanged]
    }

    /// The first failure is the cause the user sees: writes already in flight when the disk filled
    /// fail after it, and must not replace it with their own piece numbers.
    private mutating func fail(_ reason: String) -> [LifecycleEffect] {
        if case .failed = state { return [] }
        state = .failed(reason)
        pausedAfterCheck = false
        return [.closePeers(reason: "torrent failed"), .reportFailure(reason)]
    }

    private mutating func stop() -> [LifecycleEffect] {
        state = .stopped
        pausedAfterCheck = false
        return [.closePeers(reason: "torrent stopped")]
    }
}
