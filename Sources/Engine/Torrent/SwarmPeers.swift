import SwarmLogic
import TorrentCore

/// The peers of one swarm, shared by torrents and magnets: addresses known with their back-off,
/// the connected peers, and the plaintext/encrypted retry for peers that hung up on a handshake.
/// The owner decides when to dial; this decides whom. Loop-confined (it holds connections).
struct SwarmPeers {
    private(set) var connected: [PeerKey: PeerConnection] = [:]
    private var candidates = PeerCandidates()
    /// Peers that hung up on a plaintext handshake, to be tried encrypted.
    private var encryptedEndpoints: Set<PeerEndpoint> = []
    let maxPeers: Int
    /// With policy `.enabled`, a refused handshake is retried the other way (plaintext ↔ encrypted).
    let togglesEncryption: Bool

    init(maxPeers: Int, togglesEncryption: Bool) {
        self.maxPeers = maxPeers
        self.togglesEncryption = togglesEncryption
    }

    var count: Int { connected.count }
    var values: Dictionary<PeerKey, PeerConnection>.Values { connected.values }
    subscript(key: PeerKey) -> PeerConnection? { connected[key] }
    /// Addresses known and not connected now.
    var knownNotConnected: Int { candidates.notConnectedCount }

    mutating func add(_ endpoints: [PeerEndpoint], source: PeerSource, now: SwarmInstant) {
        for endpoint in endpoints { candidates.add(endpoint, source: source, now: now) }
    }

    /// Up to `room` addresses to dial now, with where each came from and whether to encrypt.
    mutating func takeDialable(room: Int, now: SwarmInstant, excluding banned: Set<String>)
        -> [(endpoint: PeerEndpoint, source: PeerSource, encrypted: Bool)] {
        let room = min(room, maxPeers - connected.count)
        return candidates.takeReady(room, now: now, excluding: banned).map {
            ($0, candidates.source(of: $0), encryptedEndpoints.contains($0))
        }
    }

    /// Dials every known address again at once, back-offs forgotten.
    mutating func retryAll(now: SwarmInstant) {
        candidates.retryAll(now: now)
    }

    mutating func connectionFailed(_ endpoint: PeerEndpoint, now: SwarmInstant) {
        candidates.disconnected(endpoint, failed: true, now: now)
    }

    /// Why `peer` cannot join, or nil when it joined.
    mutating func attach(_ peer: PeerConnection) -> String? {
        if connected.values.contains(where: { $0.remotePeerID == peer.remotePeerID && $0 !== peer }) {
            return "already connected to this peer"
        }
        guard connected.count < maxPeers else { return "the torrent has its most peers" }
        connected[peer.key] = peer
        return nil
    }

    /// Takes a closed connection out; true when it had joined. `useful`: it moved data, so
    /// redialling it soon is worth it.
    mutating func detach(_ peer: PeerConnection, useful: Bool, now: SwarmInstant) -> Bool {
        guard connected.removeValue(forKey: peer.key) != nil else {
            if peer.direction == .outgoing {
                // Hung up before its handshake: it may want the other kind (plaintext or encrypted).
                candidates.disconnected(peer.endpoint, failed: true, now: now)
                if !peer.receivedHandshake { toggleEncryption(for: peer.endpoint, now: now) }
            }
            return false
        }
        if peer.direction == .outgoing { candidates.disconnected(peer.endpoint, failed: !useful, now: now) }
        return true
    }

    private mutating func toggleEncryption(for endpoint: PeerEndpoint, now: SwarmInstant) {
        guard togglesEncryption else { return }
        if encryptedEndpoints.remove(endpoint) == nil, encryptedEndpoints.count < 10_000 {
            encryptedEndpoints.insert(endpoint)
            candidates.retry(endpoint, at: now.advanced(by: .seconds(1)))
        }
    }
}
