import SwarmLogic
import TorrentCore

/// What the DHT node needs to know of a torrent that wants peers.
struct DHTWantedTorrent {
    var infoHash: InfoHash
    var peerCount: Int
}

extension SessionCore {
    /// Torrents the DHT should find peers for: public ones that are downloading or seeding
    /// (BEP 27: never private ones).
    func dhtWantedTorrents() -> [DHTWantedTorrent] {
        torrents.values.compactMap { torrent in
            guard !torrent.info.isPrivate, torrent.phase == .downloading || torrent.phase == .seeding else { return nil }
            return DHTWantedTorrent(infoHash: torrent.infoHash, peerCount: torrent.peers.count)
        }
    }
}

// MARK: - Starting and stopping the DHT node and LSD

internal import NIOCore

extension SessionCore {
    /// Starts the DHT node and LSD when the configuration asks for them. A socket that cannot be
    /// bound is logged and that service stays off; the session still runs.
    func startDiscovery() -> EventLoopFuture<Void> {
        var started: [EventLoopFuture<Void>] = []
        if configuration.dht.enabled {
            let node = DHTNode(core: self, settings: configuration.dht)
            dht = node
            let port = configuration.dht.port ?? listeningPort
            started.append(node.start(host: configuration.listenHost, port: port).recover { [self] error in
                log.error("DHT off: cannot use UDP port \(port): \(error)")
                dht = nil
            })
        }
        if configuration.localDiscovery {
            let discovery = LocalDiscovery(core: self)
            lsd = discovery
            started.append(discovery.start().recover { [self] error in
                log.error("local peer discovery off: \(error)")
                lsd = nil
            })
        }
        return EventLoopFuture.andAllComplete(started, on: loop)
    }

    func stopDiscovery() -> EventLoopFuture<Void> {
        let stops = [dht?.shutdown(), lsd?.shutdown()].compactMap { $0 }
        return EventLoopFuture.andAllComplete(stops, on: loop)
    }

    func discoveryTorrentAdded(_ torrent: TorrentRuntime) {
        guard !torrent.info.isPrivate else { return }
        dht?.torrentAdded(torrent.infoHash)
        lsd?.torrentAdded(torrent.infoHash)
    }
}
