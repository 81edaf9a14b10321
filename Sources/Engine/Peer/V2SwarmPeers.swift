import TorrentCore

/// The addresses a hybrid torrent (or a hybrid magnet link) found in its v2 swarm (BEP 52): they
/// are dialled with the truncated v2 info-hash, the only one such a peer may know; the v1 hash
/// gets the connection dropped. Bounded: past `limit` addresses it starts afresh.
struct V2SwarmPeers {
    static let limit = 4096
    private var members: Set<PeerEndpoint> = []

    mutating func remember(_ endpoints: [PeerEndpoint]) {
        if members.count + endpoints.count > Self.limit { members.removeAll(keepingCapacity: true) }
        members.formUnion(endpoints.prefix(Self.limit))
    }

    func contains(_ endpoint: PeerEndpoint) -> Bool { members.contains(endpoint) }
}
