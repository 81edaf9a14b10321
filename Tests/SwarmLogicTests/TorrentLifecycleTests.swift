import SwarmLogic
import Testing

/// A torrent brought to a state through legal events only, with the completeness to pass along.
enum LifeStart: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case queued, downloading, seeding, finished, paused, checking, failed, stopped

    var isComplete: Bool { self == .seeding || self == .finished }

    func make() -> TorrentLifecycle {
        var life = TorrentLifecycle(
            checkedComplete: isComplete, startPaused: self == .paused, seedWhenComplete: self != .finished)
        switch self {
        case .queued, .finished, .paused: break
        case .downloading, .seeding: _ = life.handle(.activate, isComplete: isComplete)
        case .checking: _ = life.handle(.recheckStarted, isComplete: false)
        case .failed: _ = life.handle(.fail("disk full"), isComplete: false)
        case .stopped: _ = life.handle(.stop, isComplete: false)
        }
        return life
    }

    var testDescription: String { rawValue }
}

/// One event that must change nothing in one state.
struct IgnoredEvent: Sendable, CustomTestStringConvertible {
    var start: LifeStart
    var event: LifecycleEvent
    var testDescription: String { "\(event) while \(start)" }
}

private let everyEvent: [LifecycleEvent] = [
    .pause, .resume, .activate, .deactivate, .completed, .becameIncomplete, .setSeeding(true), .setSeeding(false),
    .recheckStarted, .recheckProgress(0.5), .recheckFinished(complete: true), .fail("disk full"), .fail("other"), .stop,
]

private let ignoredEvents: [IgnoredEvent] = {
    let table: [LifeStart: [LifecycleEvent]] = [
        .queued: [.resume, .deactivate, .recheckProgress(0.5), .recheckFinished(complete: true), .setSeeding(true)],
        .downloading: [.resume, .activate, .becameIncomplete, .recheckProgress(0.5), .recheckFinished(complete: true),
                       .setSeeding(true)],
        .seeding: [.resume, .activate, .completed, .recheckProgress(0.5), .recheckFinished(complete: true),
                   .setSeeding(true)],
        .finished: [.resume, .activate, .deactivate, .completed, .recheckProgress(0.5),
                    .recheckFinished(complete: true), .setSeeding(false)],
        .paused: [.pause, .activate, .deactivate, .becameIncomplete, .recheckProgress(0.5),
                  .recheckFinished(complete: true)],
        .checking: [.activate, .deactivate, .completed, .becameIncomplete, .recheckStarted],
        .failed: [.pause, .activate, .deactivate, .completed, .becameIncomplete, .recheckProgress(0.5),
                  .recheckFinished(complete: true), .fail("disk full"), .fail("other")],
        .stopped: everyEvent,
    ]
    return LifeStart.allCases.flatMap { start in
        table[start, default: []].map { IgnoredEvent(start: start, event: $0) }
    }
}()

@Suite struct TorrentLifecycleTests {
    // MARK: - Start

    @Test(arguments: [
        (false, false, true, TorrentState.queued),
        (false, false, false, .queued),
        (true, false, true, .queued),
        (true, false, false, .finished),
        (false, true, true, .paused),
        (true, true, false, .paused),
    ])
    func startsWhereTheFirstCheckLeftIt(complete: Bool, paused: Bool, seed: Bool, expected: TorrentState) {
        let life = TorrentLifecycle(checkedComplete: complete, startPaused: paused, seedWhenComplete: seed)
        #expect(life.state == expected)
        #expect(life.seedWhenComplete == seed)
    }

    // MARK: - Illegal events

    @Test(arguments: ignoredEvents)
    func ignoresEventsThatAreNotLegalNow(_ test: IgnoredEvent) {
        var life = test.start.make()
        let before = life
        let effects = life.handle(test.event, isComplete: test.start.isComplete)
        #expect(effects.isEmpty)
        #expect(life == before)
    }

    // MARK: - The user

    @Test(arguments: [LifeStart.queued, .downloading, .seeding, .finished])
    func pauseClosesPeersSavesAndFreesTheSlot(_ start: LifeStart) {
        var life = start.make()
        let effects = life.handle(.pause, isComplete: start.isComplete)
        #expect(life.state == .paused)
        #expect(effects == [.closePeers(reason: "torrent paused"), .saveResume, .queueChanged])
        #expect(life.queueKind == nil)
    }

    @Test func resumeGetsBackInLineOrRestsFinished() {
        var incomplete = LifeStart.paused.make()
        let resumed = incomplete.handle(.resume, isComplete: false)
        #expect(resumed == [.queueChanged])
        #expect(incomplete.state == .queued)
        #expect(incomplete.queueKind == .download)

        var doneNotSeeding = TorrentLifecycle(checkedComplete: true, startPaused: true, seedWhenComplete: false)
        let resumed2 = doneNotSeeding.handle(.resume, isComplete: true)
        #expect(resumed2 == [.queueChanged])
        #expect(doneNotSeeding.state == .finished)

        var doneSeeding = TorrentLifecycle(checkedComplete: true, startPaused: true, seedWhenComplete: true)
        _ = doneSeeding.handle(.resume, isComplete: true)
        #expect(doneSeeding.state == .queued)
        #expect(doneSeeding.queueKind == .seed)
    }

    @Test func setSeedingOffStopsASeed() {
        var life = LifeStart.seeding.make()
        let effects = life.handle(.setSeeding(false), isComplete: true)
        #expect(life.state == .finished)
        #expect(!life.seedWhenComplete)
        #expect(effects == [.closePeers(reason: "seeding turned off"), .queueChanged])
    }

    @Test func setSeedingOnPutsAFinishedTorrentInLineForASeedSlot() {
        var life = LifeStart.finished.make()
        let seedingSet = life.handle(.setSeeding(true), isComplete: true)
        #expect(seedingSet == [.queueChanged])
        #expect(life.state == .queued)
        #expect(life.queueKind == .seed)
        let activated = life.handle(.activate, isComplete: true)
        #expect(activated == [.connectPeers])
        #expect(life.state == .seeding)
    }

    @Test func setSeedingOffWhileQueuedToSeedRestsFinished() {
        var life = TorrentLifecycle(checkedComplete: true, startPaused: false, seedWhenComplete: true)
        #expect(life.queueKind == .seed)
        let seedingSet = life.handle(.setSeeding(false), isComplete: true)
        #expect(seedingSet == [.queueChanged])
        #expect(life.state == .finished)
        #expect(life.queueKind == nil)
    }

    @Test func setSeedingWhileIncompleteIsRememberedForTheEnd() {
        var life = LifeStart.downloading.make()
        let seedingSet = life.handle(.setSeeding(false), isComplete: false)
        #expect(seedingSet.isEmpty)
        #expect(life.state == .downloading)
        let effects = life.handle(.completed, isComplete: true)
        #expect(life.state == .finished)
        #expect(effects.contains(.closePeers(reason: "download complete")))
    }

    @Test func setSeedingWhilePausedDecidesWhereResumeLands() {
        var life = TorrentLifecycle(checkedComplete: true, startPaused: true, seedWhenComplete: true)
        let seedingSet = life.handle(.setSeeding(false), isComplete: true)
        #expect(seedingSet.isEmpty)
        #expect(life.state == .paused)
        _ = life.handle(.resume, isComplete: true)
        #expect(life.state == .finished)
    }

    // MARK: - The queue

    @Test func activateRunsAQueuedTorrentByWhatItNeeds() {
        var download = LifeStart.queued.make()
        let activated = download.handle(.activate, isComplete: false)
        #expect(activated == [.connectPeers])
        #expect(download.state == .downloading)
        #expect(download.isRunning)

        var seed = TorrentLifecycle(checkedComplete: true, startPaused: false, seedWhenComplete: true)
        let activated2 = seed.handle(.activate, isComplete: true)
        #expect(activated2 == [.connectPeers])
        #expect(seed.state == .seeding)
    }

    @Test func activateWithNothingToRunRestsFinished() {
        // Its last wanted files were skipped while it waited; the owner never said `completed`.
        var life = TorrentLifecycle(checkedComplete: false, startPaused: false, seedWhenComplete: false)
        let activated = life.handle(.activate, isComplete: true)
        #expect(activated.isEmpty)
        #expect(life.state == .finished)
        #expect(!life.isRunning)
    }

    @Test(arguments: [LifeStart.downloading, .seeding])
    func deactivateSendsARunningTorrentBackInLine(_ start: LifeStart) {
        var life = start.make()
        let effects = life.handle(.deactivate, isComplete: start.isComplete)
        #expect(life.state == .queued)
        #expect(effects == [.closePeers(reason: "queued behind other torrents")])
        #expect(life.queueKind == (start == .seeding ? .seed : .download))
    }

    // MARK: - Completion

    @Test func completingWhileSeedingKeepsPeersAndWantsASeedSlot() {
        var life = LifeStart.downloading.make()
        let effects = life.handle(.completed, isComplete: true)
        #expect(life.state == .seeding)
        #expect(effects == [.saveResume, .downloadFinished, .queueChanged])
        #expect(life.queueKind == .seed)
    }

    @Test func completingWithoutSeedingClosesPeersAndLeavesTheQueue() {
        var life = TorrentLifecycle(checkedComplete: false, startPaused: false, seedWhenComplete: false)
        _ = life.handle(.activate, isComplete: false)
        let effects = life.handle(.completed, isComplete: true)
        #expect(life.state == .finished)
        #expect(effects == [.saveResume, .downloadFinished, .closePeers(reason: "download complete"), .queueChanged])
        #expect(life.queueKind == nil)
    }

    @Test func lastPieceVerifyingAfterPauseIsReportedButStaysPaused() {
        var life = LifeStart.downloading.make()
        _ = life.handle(.pause, isComplete: false)
        let completion = life.handle(.completed, isComplete: true)
        #expect(completion == [.saveResume, .downloadFinished])
        #expect(life.state == .paused)
        _ = life.handle(.resume, isComplete: true)
        #expect(life.queueKind == .seed)
    }

    @Test func skippingTheLastFilesWhileQueuedFinishesIt() {
        var notSeeding = TorrentLifecycle(checkedComplete: false, startPaused: false, seedWhenComplete: false)
        let completion = notSeeding.handle(.completed, isComplete: true)
        #expect(completion == [.saveResume, .downloadFinished, .queueChanged])
        #expect(notSeeding.state == .finished)

        var seeding = LifeStart.queued.make()
        _ = seeding.handle(.completed, isComplete: true)
        #expect(seeding.state == .queued)
        #expect(seeding.queueKind == .seed)
    }

    @Test func wantingMoreTurnsASeedBackIntoADownload() {
        var life = LifeStart.seeding.make()
        let effects = life.handle(.becameIncomplete, isComplete: false)
        #expect(life.state == .downloading, "it keeps its peers; the queue may still take the slot")
        #expect(effects == [.connectPeers, .queueChanged])
        #expect(life.queueKind == .download)
    }

    @Test func wantingMoreSendsAFinishedTorrentBackInLine() {
        var life = LifeStart.finished.make()
        let wantedMore = life.handle(.becameIncomplete, isComplete: false)
        #expect(wantedMore == [.queueChanged])
        #expect(life.state == .queued)
        #expect(life.queueKind == .download)
    }

    @Test func wantingMoreWhileQueuedToSeedAsksForADownloadSlot() {
        var life = TorrentLifecycle(checkedComplete: true, startPaused: false, seedWhenComplete: true)
        #expect(life.queueKind == .seed)
        let wantedMore = life.handle(.becameIncomplete, isComplete: false)
        #expect(wantedMore == [.queueChanged])
        #expect(life.queueKind == .download)
    }

    // MARK: - Recheck

    @Test(arguments: [LifeStart.queued, .downloading, .seeding, .finished, .paused, .failed])
    func recheckClosesPeersAndHashes(_ start: LifeStart) {
        var life = start.make()
        let effects = life.handle(.recheckStarted, isComplete: start.isComplete)
        #expect(life.state == .checking(progress: 0))
        #expect(effects == [.closePeers(reason: "rechecking"), .startRecheck])
        #expect(life.queueKind == nil)
        #expect(!life.isRunning)
    }

    @Test func recheckProgressIsClampedToAFraction() {
        var life = LifeStart.checking.make()
        let progressed = life.handle(.recheckProgress(0.25), isComplete: false)
        #expect(progressed.isEmpty)
        #expect(life.state == .checking(progress: 0.25))
        _ = life.handle(.recheckProgress(1.7), isComplete: false)
        #expect(life.state == .checking(progress: 1))
        _ = life.handle(.recheckProgress(-3), isComplete: false)
        #expect(life.state == .checking(progress: 0))
        _ = life.handle(.recheckProgress(.nan), isComplete: false)
        #expect(life.state == .checking(progress: 0))
    }

    @Test(arguments: [
        (LifeStart.downloading, false, TorrentState.queued),
        (.seeding, true, .queued),
        (.finished, true, .finished),
        (.finished, false, .queued),
        (.paused, true, .paused),
        (.failed, false, .queued),
    ])
    func recheckLandsWhereTheDataSays(_ start: LifeStart, complete: Bool, expected: TorrentState) {
        var life = start.make()
        _ = life.handle(.recheckStarted, isComplete: start.isComplete)
        let effects = life.handle(.recheckFinished(complete: complete), isComplete: complete)
        #expect(life.state == expected)
        #expect(effects == [.saveResume, .queueChanged])
    }

    @Test func pauseDuringARecheckLandsPausedAndResumeUndoesIt() {
        var life = LifeStart.downloading.make()
        _ = life.handle(.recheckStarted, isComplete: false)
        let paused = life.handle(.pause, isComplete: false)
        #expect(paused.isEmpty)
        #expect(life.state == .checking(progress: 0), "the check runs to its end")
        _ = life.handle(.recheckFinished(complete: false), isComplete: false)
        #expect(life.state == .paused)

        _ = life.handle(.recheckStarted, isComplete: false)
        let resumed = life.handle(.resume, isComplete: false)
        #expect(resumed.isEmpty)
        _ = life.handle(.recheckFinished(complete: false), isComplete: false)
        #expect(life.state == .queued)
    }

    @Test func aRecheckThatCannotReadTheDiskFails() {
        var life = LifeStart.checking.make()
        let effects = life.handle(.fail("recheck failed: permission denied"), isComplete: false)
        #expect(life.state == .failed("recheck failed: permission denied"))
        #expect(effects == [.closePeers(reason: "torrent failed"), .reportFailure("recheck failed: permission denied")])
    }

    // MARK: - Failure and stop

    /// Writes in flight when the disk filled fail after the first one: the user sees the first
    /// cause, reported once, until a resume or a recheck starts over.
    @Test func failureIsReportedOnceAndKeepsTheFirstCause() {
        var life = LifeStart.downloading.make()
        let failure = life.handle(.fail("cannot write to disk: piece 15"), isComplete: false)
        #expect(failure == [.closePeers(reason: "torrent failed"), .reportFailure("cannot write to disk: piece 15")])
        #expect(life.handle(.fail("cannot write to disk: piece 15"), isComplete: false).isEmpty)
        #expect(life.handle(.fail("cannot write to disk: piece 47"), isComplete: false).isEmpty)
        #expect(life.state == .failed("cannot write to disk: piece 15"))
        _ = life.handle(.resume, isComplete: false)
        let again = life.handle(.fail("disk gone"), isComplete: false)
        #expect(again == [.closePeers(reason: "torrent failed"), .reportFailure("disk gone")])
        #expect(life.state == .failed("disk gone"))
    }

    @Test func diskFullThenFreedResumesTheDownload() {
        var life = LifeStart.downloading.make()
        _ = life.handle(.fail("cannot write to disk: no space left"), isComplete: false)
        #expect(life.queueKind == nil)
        let activated = life.handle(.activate, isComplete: false)
        #expect(activated.isEmpty, "the queue cannot restart a failed torrent")
        let resumed = life.handle(.resume, isComplete: false)
        #expect(resumed == [.queueChanged])
        #expect(life.state == .queued)
        #expect(life.queueKind == .download)
        let activated2 = life.handle(.activate, isComplete: false)
        #expect(activated2 == [.connectPeers])
        #expect(life.state == .downloading)
    }

    @Test(arguments: LifeStart.allCases.filter { $0 != .stopped })
    func stopEndsEveryLife(_ start: LifeStart) {
        var life = start.make()
        let stopped = life.handle(.stop, isComplete: start.isComplete)
        #expect(stopped == [.closePeers(reason: "torrent stopped")])
        #expect(life.state == .stopped)
        #expect(life.queueKind == nil)
        #expect(!life.isRunning)
    }

    // MARK: - Whole lives

    @Test func aFullLife() {
        var life = TorrentLifecycle(checkedComplete: false, startPaused: false, seedWhenComplete: true)
        #expect(life.state == .queued)
        let activated = life.handle(.activate, isComplete: false)
        #expect(activated == [.connectPeers])
        #expect(life.state == .downloading)
        _ = life.handle(.completed, isComplete: true)
        #expect(life.state == .seeding)
        #expect(life.isUploadingOnly)
        // The ratio goal is reached.
        let seedingSet = life.handle(.setSeeding(false), isComplete: true)
        #expect(seedingSet == [.closePeers(reason: "seeding turned off"), .queueChanged])
        #expect(life.state == .finished)
        let resumed = life.handle(.resume, isComplete: true)
        #expect(resumed.isEmpty)
        let activated2 = life.handle(.activate, isComplete: true)
        #expect(activated2.isEmpty)
        // The user wants one more file.
        _ = life.handle(.becameIncomplete, isComplete: false)
        #expect(life.state == .queued)
        _ = life.handle(.activate, isComplete: false)
        #expect(life.state == .downloading)
        let done = life.handle(.completed, isComplete: true)
        #expect(life.state == .finished)
        #expect(done.contains(.downloadFinished))
        _ = life.handle(.pause, isComplete: true)
        _ = life.handle(.stop, isComplete: true)
        #expect(life.state == .stopped)
        let resumed2 = life.handle(.resume, isComplete: true)
        #expect(resumed2.isEmpty)
        #expect(life.state == .stopped)
    }

    // MARK: - Queries

    @Test(arguments: [
        (LifeStart.queued, QueueSlots.Kind?.some(.download)),
        (.downloading, .download),
        (.seeding, .seed),
        (.finished, nil),
        (.paused, nil),
        (.checking, nil),
        (.failed, nil),
        (.stopped, nil),
    ])
    func queueKindFollowsTheState(_ start: LifeStart, expected: QueueSlots.Kind?) {
        #expect(start.make().queueKind == expected)
    }

    @Test(arguments: LifeStart.allCases)
    func runningAndUploadingOnlyFollowTheState(_ start: LifeStart) {
        let life = start.make()
        #expect(life.isRunning == (start == .downloading || start == .seeding))
        #expect(life.isUploadingOnly == (start == .seeding || start == .finished))
    }
}
