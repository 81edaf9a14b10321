import TorrentCore
import WireProtocol

extension TorrentRuntime {
    /// Tells each PEX-capable peer about the others (at most once a minute each; see `PexState`).
    /// Nothing on private torrents.
    func exchangePeers() {
        guard !info.isPrivate else { return }
        let current = peers.values.compactMap { peer -> PexMessage.Peer? in
            guard peer.state == .active, let endpoint = peer.dialableEndpoint else { return nil }
            var flags: PexFlags = []
            if peer.isSeed { flags.insert(.seed) }
            if peer.direction == .outgoing { flags.insert(.reachable) }
            return PexMessage.Peer(endpoint, flags: flags)
        }
        for peer in peers.values where peer.pex != nil { peer.exchangePeers(current: current) }
    }
}
