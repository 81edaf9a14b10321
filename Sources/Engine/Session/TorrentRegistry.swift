import SwarmLogic
import TorrentCore

/// Every torrent of the session, by info-hash: running torrents, magnets still fetching their
/// metadata, torrents whose data is being checked before they start, and the queue order that
/// decides which may run. Loop-confined.
final class TorrentRegistry: @unchecked Sendable {
    private(set) var torrents: [InfoHash: TorrentRuntime] = [:]
    private(set) var magnets: [InfoHash: MagnetTorrent] = [:]
    /// Torrents being added whose data is still being checked; what their rows show changes
    /// through `beginCheck`, `noteCheckProgress` and `endCheck`.
    var checking: [InfoHash: PendingCheck] = [:]
    /// The order in which torrents get download and seed slots.
    var queue = QueueOrder<InfoHash>()
    var maxActiveDownloads: Int?
    var maxActiveSeeds: Int?
    /// The second swarm of each hybrid torrent (BEP 52): its truncated v2 hash, mapped to the v1
    /// hash the torrent is kept under.
    private(set) var aliases: [InfoHash: InfoHash] = [:]
    /// Torrents whose row may differ from the one last published (see `SnapshotRows`).
    var changedRows: Set<InfoHash> = []
    /// Torrents that tick: running ones, and resting ones until they are quiet (see
    /// `TorrentRuntime.isQuiet`), so a queued torrent costs nothing per tick.
    private(set) var awake: Set<InfoHash> = []

    /// Notes that the row of `infoHash` must be built again for the next snapshot.
    func noteRowChanged(_ infoHash: InfoHash) {
        changedRows.insert(infoHash)
    }

    /// Lets a torrent tick again (its state changed); `lullQuiet` puts it back to rest.
    func wake(_ infoHash: InfoHash) {
        awake.insert(infoHash)
    }

    /// The awake torrents; those that are quiet now stop ticking until something wakes them.
    func awakeTorrents() -> [TorrentRuntime] {
        var found: [TorrentRuntime] = []
        found.reserveCapacity(awake.count)
        for hash in awake {
            if let torrent = torrents[hash] { found.append(torrent) } else { awake.remove(hash) }
        }
        return found
    }

    /// Stops ticking those of `torrents` that are quiet now.
    func lullQuiet(_ torrents: [TorrentRuntime]) {
        for torrent in torrents where torrent.isQuiet { awake.remove(torrent.infoHash) }
    }

    /// Shows a torrent as being checked (or moved) from now on.
    func beginCheck(_ pending: PendingCheck, for infoHash: InfoHash) {
        checking[infoHash] = pending
        noteRowChanged(infoHash)
    }

    /// A check's or a move's progress, 0…1.
    func noteCheckProgress(_ infoHash: InfoHash, checked: Double? = nil, moved: Double? = nil) {
        guard checking[infoHash] != nil else { return }
        if let checked { checking[infoHash]?.progress = checked }
        if let moved { checking[infoHash]?.moveProgress = moved }
        noteRowChanged(infoHash)
    }

    /// The check is over (the torrent starts, or could not be added): returns what it gathered.
    @discardableResult
    func endCheck(_ infoHash: InfoHash) -> PendingCheck? {
        noteRowChanged(infoHash)
        return checking.removeValue(forKey: infoHash)
    }

    /// Whether the session already has this info-hash in any form.
    func contains(_ infoHash: InfoHash) -> Bool {
        torrents[infoHash] != nil || magnets[infoHash] != nil || checking[infoHash] != nil
    }

    /// The name a front end shows for a torrent of the session, if it is one.
    func name(of infoHash: InfoHash) -> String? {
        torrents[infoHash]?.info.name ?? magnets[infoHash]?.name ?? checking[infoHash]?.name
    }

    /// Info-hashes of every torrent and magnet, for peer sources that look them up (DHT, LSD, MSE);
    /// a hybrid's second hash included.
    var allInfoHashes: [InfoHash] { Array(torrents.keys) + Array(magnets.keys) + Array(aliases.keys) }

    /// The hash a torrent is kept under, for either of a hybrid's hashes.
    func primaryHash(_ infoHash: InfoHash) -> InfoHash { aliases[infoHash] ?? infoHash }

    /// Where a peer that names `infoHash` in its handshake belongs.
    func owner(for named: InfoHash) -> PeerOwner? {
        let infoHash = primaryHash(named)
        if let torrent = torrents[infoHash] { return .torrent(torrent) }
        if let magnet = magnets[infoHash], !magnet.isStopped { return .magnet(magnet) }
        return nil
    }

    /// Queue position; a torrent keeps the place its magnet had.
    func reserveQueuePlace(_ infoHash: InfoHash) {
        if queue.position(of: infoHash) == nil { queue.append(infoHash) }
    }

    func insert(_ torrent: TorrentRuntime) {
        torrents[torrent.infoHash] = torrent
        noteRowChanged(torrent.infoHash)
        wake(torrent.infoHash)
        if let second = torrent.secondInfoHash { aliases[second] = torrent.infoHash }
        reserveQueuePlace(torrent.infoHash)
    }

    func insert(_ magnet: MagnetTorrent) {
        magnets[magnet.infoHash] = magnet
        noteRowChanged(magnet.infoHash)
        if let second = magnet.secondInfoHash { aliases[second] = magnet.infoHash }
        reserveQueuePlace(magnet.infoHash)
    }

    func removeTorrent(_ infoHash: InfoHash) {
        if let second = torrents[infoHash]?.secondInfoHash, magnets[infoHash] == nil { aliases[second] = nil }
        torrents[infoHash] = nil
        awake.remove(infoHash)
        noteRowChanged(infoHash)
        // A torrent whose files are moving is back soon (see `TorrentRelocator`) and keeps its place.
        if magnets[infoHash] == nil && checking[infoHash] == nil { queue.remove(infoHash) }
    }

    /// Drops a magnet; one that became a torrent keeps its place in the queue.
    func removeMagnet(_ infoHash: InfoHash) {
        if let second = magnets[infoHash]?.secondInfoHash, torrents[infoHash] == nil { aliases[second] = nil }
        magnets[infoHash] = nil
        noteRowChanged(infoHash)
        if torrents[infoHash] == nil && checking[infoHash] == nil { queue.remove(infoHash) }
    }

    /// Moves a torrent in the queue; true when the order changed.
    func move(_ infoHash: InfoHash, _ move: QueueOrder<InfoHash>.Move) -> Bool {
        queue.move(infoHash, move)
    }

    /// Runs the first torrents in queue order up to the active limits and makes the rest wait.
    func applyQueue() {
        var candidates: [QueueSlots.Candidate<InfoHash>] = []
        for (position, hash) in queue.ids.enumerated() {
            guard let kind = torrents[hash]?.queueKind else { continue }
            candidates.append(QueueSlots.Candidate(id: hash, position: position, kind: kind))
        }
        let active = QueueSlots.active(candidates, maxDownloads: maxActiveDownloads, maxSeeds: maxActiveSeeds)
        // Stop first, so the connections they free are there for the ones that start.
        for candidate in candidates where !active.contains(candidate.id) { torrents[candidate.id]?.setActive(false) }
        for candidate in candidates where active.contains(candidate.id) { torrents[candidate.id]?.setActive(true) }
    }
}
