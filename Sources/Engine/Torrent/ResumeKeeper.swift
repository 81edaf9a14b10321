import Logging
internal import NIOCore
internal import NIOPosix
import Storage
import SwarmLogic
import TorrentCore

/// Keeps one torrent's resume data current from the session loop: it has its `ResumeRecorder`
/// flush written pieces every couple of seconds, compacts after 30 s of changes and on the
/// lifecycle's saves, and writes the final snapshot on a clean stop.
///
/// The file work runs on the session's flush thread, one job at a time, so neither the loop
/// nor the piece writer waits for a flush (see `ResumeRecorder` for the measurement).
final class ResumeKeeper {
    let recorder: ResumeRecorder
    private let pool: NIOThreadPool
    private let loop: EventLoop
    private let log: Logger
    private var syncing = false
    /// Pieces were verified since the last compaction.
    private var dirty = false
    private var lastSave: SwarmInstant

    init(recorder: ResumeRecorder, pool: NIOThreadPool, loop: EventLoop, log: Logger, now: SwarmInstant) {
        self.recorder = recorder
        self.pool = pool
        self.loop = loop
        self.log = log
        lastSave = now
    }

    /// Writes will come (the torrent is incomplete): start the journal now, so that even a crash
    /// before the first piece finds resume data that matches the files as they were prepared.
    func expectWrites() {
        let recorder = self.recorder
        run { recorder.willWrite() }
    }

    /// A piece was verified and written.
    func pieceVerified() {
        dirty = true
        syncIfDue()
    }

    /// Nothing to flush or compact, and no job running: ticks have nothing to do.
    var isSettled: Bool { !dirty && !syncing && !recorder.wantsSync }

    /// Once a second, whatever the torrent's state: pieces written while pausing still get flushed.
    func tick(now: SwarmInstant) {
        syncIfDue()
        if dirty && lastSave.duration(to: now) >= .seconds(30) { save(now: now) }
    }

    /// Folds the journal into a fresh snapshot.
    @discardableResult
    func save(now: SwarmInstant) -> EventLoopFuture<Void> {
        dirty = false
        lastSave = now
        let recorder = self.recorder
        return run { try recorder.compact() }
    }

    /// The clean stop's final snapshot; call once no piece is on its way to the disk.
    func finish() -> EventLoopFuture<Void> {
        let recorder = self.recorder
        return run { try recorder.finish() }
    }

    /// A recheck found `verified`: it replaces whatever resume data claimed.
    func restart(verified: Bitfield) {
        let recorder = self.recorder
        run { try recorder.restart(verified: verified) }
    }

    private func syncIfDue() {
        guard !syncing, recorder.wantsSync else { return }
        syncing = true
        let recorder = self.recorder
        run { try recorder.synchronize() }.assumeIsolated().whenComplete { [self] _ in
            syncing = false
        }
    }

    @discardableResult
    private func run(_ job: @escaping @Sendable () throws -> Void) -> EventLoopFuture<Void> {
        let done = pool.runIfActive(eventLoop: loop, job)
        let name = recorder.info.name
        let log = self.log
        done.whenFailure { error in
            log.warning("cannot keep resume data for \(name): \(error)")
        }
        return done
    }
}
