import EngineAPI
internal import NIOConcurrencyHelpers

/// Holds the latest `SessionSnapshot` for front ends to read from any thread, and which
/// torrent's details they want. The engine builds a snapshot on its loop a few times a second
/// (`SessionCore.publishSnapshot`) and hands it over here; reading costs one struct copy.
final class SnapshotPublisher: Sendable {
    private let published = NIOLockedValueBox(SessionSnapshot())
    private let detailWanted = NIOLockedValueBox<TorrentID?>(nil)

    /// The torrent whose peers, files, trackers and pieces the next snapshot should carry.
    var wantedDetail: TorrentID? { detailWanted.withLockedValue { $0 } }

    /// The latest snapshot; when the front end now asks about another torrent, `refresh` runs
    /// so the details follow without waiting for the next tick.
    func snapshot(detail: TorrentID?, refresh: () -> Void) -> SessionSnapshot {
        let changed = detailWanted.withLockedValue { wanted in
            defer { wanted = detail }
            return wanted != detail
        }
        if changed { refresh() }
        return published.withLockedValue { $0 }
    }

    /// Makes `snapshot` the latest, with the previous rows changed by `rows`. The rows are changed
    /// in place under the lock: unless a reader still holds an older snapshot, no row is copied.
    func publish(_ snapshot: SessionSnapshot, rows update: RowUpdate) {
        published.withLockedValue { current in
            var rows: [TorrentSnapshot] = []
            swap(&rows, &current.torrents)
            update.apply(to: &rows)
            current = snapshot
            current.torrents = rows
        }
    }
}
