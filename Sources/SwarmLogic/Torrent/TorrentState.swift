/// Where a torrent is in its life. Only `TorrentLifecycle.handle` moves it; these are the legal
/// transitions, and every other event is ignored ("complete" = every wanted piece verified):
///
/// | From                                  | Event              | To                                          |
/// |---------------------------------------|--------------------|---------------------------------------------|
/// | queued, downloading, seeding, finished| pause              | paused                                      |
/// | checking                              | pause, resume      | checking; it lands paused, or not, when done|
/// | paused, failed                        | resume             | queued; finished when complete, not seeding |
/// | queued                                | activate           | downloading; seeding or finished if complete|
/// | downloading, seeding                  | deactivate         | queued                                      |
/// | downloading                           | completed          | seeding, or finished when not seeding       |
/// | queued (not seeding)                  | completed          | finished                                    |
/// | paused                                | completed          | paused (the completion is still reported)   |
/// | seeding                               | becameIncomplete   | downloading (the queue then re-decides)     |
/// | finished                              | becameIncomplete   | queued                                      |
/// | seeding, queued (complete)            | setSeeding(false)  | finished                                    |
/// | finished (complete)                   | setSeeding(true)   | queued                                      |
/// | any but checking, stopped             | recheckStarted     | checking(0)                                 |
/// | checking                              | recheckProgress(p) | checking(p)                                 |
/// | checking                              | recheckFinished    | paused if it was, else queued or finished   |
/// | any but stopped                       | fail(r)            | failed(r) (same reason again: no change)    |
/// | any but stopped                       | stop               | stopped, for good                           |
public enum TorrentState: Hashable, Sendable {
    /// The data on disk is being hashed again; `progress` is the fraction done, 0…1.
    case checking(progress: Double)
    /// Wants to run and waits for the session queue to give it a download or seed slot.
    case queued
    /// Has a download slot: connects to peers and fetches the wanted pieces.
    case downloading
    /// Has every wanted piece and a seed slot: uploads to peers.
    case seeding
    /// Has every wanted piece and does not seed: no peers, no slot.
    case finished
    /// Held by the user: no peers, no slot, until resumed.
    case paused
    /// Shut down or removed; nothing moves it any more.
    case stopped
    /// Cannot go on (e.g. the disk is full); resuming retries.
    case failed(String)
}
