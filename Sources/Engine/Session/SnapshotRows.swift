import EngineAPI
import SwarmLogic
import TorrentCore

/// Keeps the published list of torrent rows up to date at the cost of what changed, not of what
/// the session holds: with 10,000 torrents, 9,990 of them queued, building and copying every row
/// at 4 Hz was most of the idle session's work, and one publication per added torrent made
/// adding N torrents cost O(N²).
///
/// Rows are in queue order. A publication rebuilds only the rows of live torrents (running, with
/// peers, magnets), of those the registry noted as changed (checks note their progress: visiting
/// every check at each add made adding faster than checking O(N²)), and of a slice of the rest
/// that the torrents' own cheap checks find stale (a sweep that covers every row every 10 s, for
/// values that others keep, such as a tracker's seeder count); torrents that joined the end of
/// the queue are appended. Only a removal or a move rebuilds the whole list, from cached rows.
/// Loop-confined.
final class SnapshotRows {
    /// Row index of each listed torrent.
    private var index: [InfoHash: Int] = [:]
    /// The torrent of each row, in row order.
    private var hashes: [InfoHash] = []
    /// Rows that must be built at every publication.
    private var live: Set<InfoHash> = []
    /// The queue as the rows were built: its reorder count, and how many places it had.
    private var builtReorders = -1
    private var builtPlaces = 0
    private var sweepCursor = 0
    /// Publications it takes the sweep to visit every row (4 Hz: 10 s).
    private let sweepPublications = 40

    /// What changed, with the totals and the detail of the torrent asked about.
    struct Collected {
        var update: RowUpdate
        var downloadRate = 0.0
        var uploadRate = 0.0
        var detail: TorrentDetail?
    }

    func collect(from registry: TorrentRegistry, at now: SwarmInstant, detail wanted: TorrentID?) -> Collected {
        let detail = Self.detail(wanted, in: registry, at: now)
        if registry.queue.reorders != builtReorders || registry.queue.ids.count < builtPlaces {
            return rebuild(from: registry, at: now, detail: detail)
        }
        var visit = live.union(registry.changedRows)
        sweep(registry, into: &visit)
        registry.changedRows.removeAll(keepingCapacity: true)
        var collected = Collected(update: .some(replaced: [], appended: []), detail: detail)
        var replaced: [(index: Int, row: TorrentSnapshot)] = []
        for hash in visit {
            let position = registry.queue.position(of: hash)
            guard let rowIndex = index[hash] else {
                // Back at a place it kept (a failed add, a move of its files): the list is rebuilt.
                if let position, position < builtPlaces, registry.contains(hash) {
                    return rebuild(from: registry, at: now, detail: detail)
                }
                continue  // new at the end of the queue (below), or gone before it was listed
            }
            guard let position, let (row, isLive) = Self.row(of: hash, at: position, in: registry, now: now) else {
                return rebuild(from: registry, at: now, detail: detail)  // it left
            }
            if isLive { live.insert(hash) } else { live.remove(hash) }
            collected.add(row)
            replaced.append((rowIndex, row))
        }
        var appended: [TorrentSnapshot] = []
        let ids = registry.queue.ids
        for position in builtPlaces..<ids.count {
            let hash = ids[position]
            guard index[hash] == nil, let (row, isLive) = Self.row(of: hash, at: position, in: registry, now: now)
            else { continue }
            list(hash, isLive: isLive)
            collected.add(row)
            appended.append(row)
        }
        builtPlaces = ids.count
        collected.update = .some(replaced: replaced, appended: appended)
        return collected
    }

    /// Every row again, in queue order (resting torrents give their cached rows).
    private func rebuild(from registry: TorrentRegistry, at now: SwarmInstant, detail: TorrentDetail?) -> Collected {
        index.removeAll(keepingCapacity: true)
        hashes.removeAll(keepingCapacity: true)
        live.removeAll(keepingCapacity: true)
        registry.changedRows.removeAll(keepingCapacity: true)
        var collected = Collected(update: .all([]), detail: detail)
        var rows: [TorrentSnapshot] = []
        rows.reserveCapacity(registry.queue.ids.count)
        for (position, hash) in registry.queue.ids.enumerated() {
            guard let (row, isLive) = Self.row(of: hash, at: position, in: registry, now: now) else { continue }
            list(hash, isLive: isLive)
            collected.add(row)
            rows.append(row)
        }
        builtReorders = registry.queue.reorders
        builtPlaces = registry.queue.ids.count
        collected.update = .all(rows)
        return collected
    }

    private func list(_ hash: InfoHash, isLive: Bool) {
        index[hash] = hashes.count
        hashes.append(hash)
        if isLive { live.insert(hash) }
    }

    /// Adds the next slice of resting rows whose torrents find them stale.
    private func sweep(_ registry: TorrentRegistry, into visit: inout Set<InfoHash>) {
        guard !hashes.isEmpty else { return }
        let count = min(hashes.count, max(16, (hashes.count + sweepPublications - 1) / sweepPublications))
        for _ in 0..<count {
            if sweepCursor >= hashes.count { sweepCursor = 0 }
            let hash = hashes[sweepCursor]
            sweepCursor += 1
            if let torrent = registry.torrents[hash], torrent.restingRowHolds { continue }
            visit.insert(hash)  // stale, or no longer a torrent
        }
    }

    /// The row of the torrent, magnet or check kept under `hash`, and whether it must be built at
    /// every publication; nil when the session no longer has it.
    private static func row(of hash: InfoHash, at position: Int, in registry: TorrentRegistry,
                            now: SwarmInstant) -> (TorrentSnapshot, isLive: Bool)? {
        if let torrent = registry.torrents[hash] {
            return (torrent.snapshotRow(at: now, queuePosition: position), !torrent.isResting)
        }
        if let magnet = registry.magnets[hash] { return (magnet.snapshotRow(), true) }
        guard let pending = registry.checking[hash] else { return nil }
        var row = TorrentSnapshot(id: pending.id, name: pending.name, totalSize: pending.size, progress: 0,
                                  phase: .checking(progress: pending.progress), queuePosition: position,
                                  fileCount: pending.fileCount, downloadDirectory: pending.directory)
        row.moveProgress = pending.moveProgress
        return (row, false)  // changes are noted (see `TorrentRegistry.noteCheckProgress`)
    }

    private static func detail(_ wanted: TorrentID?, in registry: TorrentRegistry, at now: SwarmInstant) -> TorrentDetail? {
        guard let wanted, let hash = InfoHash(id: wanted) else { return nil }
        if let torrent = registry.torrents[hash], torrent.id == wanted { return torrent.detail(at: now) }
        if let magnet = registry.magnets[hash], magnet.id == wanted { return magnet.detail() }
        return nil
    }
}

extension SnapshotRows.Collected {
    mutating func add(_ row: TorrentSnapshot) {
        downloadRate += row.downloadRate
        uploadRate += row.uploadRate
    }
}

/// How the published rows change at one publication.
enum RowUpdate {
    /// The whole list (after a removal or a move in the queue).
    case all([TorrentSnapshot])
    /// Rows replaced at their index, and rows added at the end.
    case some(replaced: [(index: Int, row: TorrentSnapshot)], appended: [TorrentSnapshot])

    func apply(to rows: inout [TorrentSnapshot]) {
        switch self {
        case .all(let all):
            rows = all
        case .some(let replaced, let appended):
            for (index, row) in replaced where rows.indices.contains(index) { rows[index] = row }
            rows.append(contentsOf: appended)
        }
    }
}
