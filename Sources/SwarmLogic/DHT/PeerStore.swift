import TorrentCore

/// Peers that announced themselves to our DHT node, per info-hash, each kept for `lifetime`
/// after its last announce. Memory is bounded by `maxInfoHashes` and `maxPeersPerHash`.
public struct PeerStore: Sendable {
    public let lifetime: Duration
    public let maxInfoHashes: Int
    public let maxPeersPerHash: Int
    private var peers: [InfoHash: [PeerEndpoint: SwarmInstant]] = [:]

    public init(lifetime: Duration = .seconds(30 * 60), maxInfoHashes: Int = 2000, maxPeersPerHash: Int = 200) {
        self.lifetime = lifetime
        self.maxInfoHashes = maxInfoHashes
        self.maxPeersPerHash = maxPeersPerHash
    }

    /// Info-hashes with at least one stored peer.
    public var infoHashCount: Int { peers.count }

    /// Stores (or refreshes) `peer` for `infoHash`; returns false when a bound refused it.
    @discardableResult
    public mutating func announce(_ peer: PeerEndpoint, for infoHash: InfoHash, at now: SwarmInstant) -> Bool {
        if peers[infoHash] == nil {
            if peers.count >= maxInfoHashes { expire(at: now) }
            guard peers.count < maxInfoHashes else { return false }
        }
        var list = peers[infoHash, default: [:]]
        if list[peer] == nil && list.count >= maxPeersPerHash {
            list = list.filter { $0.value.duration(to: now) < lifetime }
            // Still full: the peer heard from longest ago makes room.
            if list.count >= maxPeersPerHash, let oldest = list.min(by: { $0.value < $1.value }) {
                list[oldest.key] = nil
            }
        }
        list[peer] = now
        peers[infoHash] = list
        return true
    }

    /// Up to `limit` live peers for `infoHash`, most recently announced first.
    public func peers(for infoHash: InfoHash, at now: SwarmInstant, limit: Int) -> [PeerEndpoint] {
        guard let list = peers[infoHash] else { return [] }
        return list.filter { $0.value.duration(to: now) < lifetime }
            .sorted { $0.value > $1.value }
            .prefix(limit)
            .map(\.key)
    }

    /// Forgets every peer whose announce is older than `lifetime`.
    public mutating func expire(at now: SwarmInstant) {
        for (hash, list) in peers {
            let live = list.filter { $0.value.duration(to: now) < lifetime }
            peers[hash] = live.isEmpty ? nil : live
        }
    }
}
