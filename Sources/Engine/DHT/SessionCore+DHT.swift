import EngineAPI
import SwarmLogic
import TorrentCore
import WireProtocol

/// What the DHT node needs to know of a torrent that wants peers.
struct DHTWantedTorrent {
    var infoHash: InfoHash
    var peerCount: Int
}

extension SessionCore {
    /// Torrents the DHT should find peers for: public ones that are downloading or seeding
    /// (BEP 27: never private ones).
    func dhtWantedTorrents() -> [DHTWantedTorrent] {
        let running = registry.torrents.values.compactMap { torrent -> DHTWantedTorrent? in
            guard !torrent.info.isPrivate, torrent.lifecycle.isRunning else { return nil }
            return DHTWantedTorrent(infoHash: torrent.infoHash, peerCount: torrent.swarm.count)
        }
        // A hybrid joins its v2 swarm too (BEP 52), under the truncated v2 hash.
        let second = registry.torrents.values.compactMap { torrent -> DHTWantedTorrent? in
            guard let hash = torrent.secondInfoHash, !torrent.info.isPrivate, torrent.lifecycle.isRunning else { return nil }
            return DHTWantedTorrent(infoHash: hash, peerCount: torrent.swarm.count)
        }
        // Magnets still fetching metadata cannot know whether they are private: a magnet link
        // is public by nature, so they look for peers too.
        let fetching = registry.magnets.values.filter { !$0.isStopped }
            .map { DHTWantedTorrent(infoHash: $0.infoHash, peerCount: $0.peerCount) }
        return running + second + fetching
    }
}

// MARK: - Starting and stopping the DHT node and LSD

internal import NIOCore

extension SessionCore {
    /// Starts the DHT node and LSD when the configuration asks for them. A socket that cannot be
    /// bound is logged and that service stays off; the session still runs.
    func startDiscovery() -> EventLoopFuture<Void> {
        var started: [EventLoopFuture<Void>] = []
        if let proxy = configuration.proxy { return startDiscovery(through: proxy) }
        if configuration.dht.enabled {
            let port = configuration.dht.port ?? listeningPort
            let host = configuration.listenHost
            // IPv4 on an IPv4 address (or on all of them for "::"), IPv6 (BEP 32) on an IPv6
            // address, or on all of them when listening everywhere and the host has IPv6.
            let everywhere = host == "0.0.0.0" || host == "::"
            let v4Host: String? = everywhere ? "0.0.0.0" : (host.contains(":") ? nil : host)
            let v6Host: String? = everywhere ? "::" : (host.contains(":") ? host : nil)
            if let v4Host {
                let node = DHTNode(core: self, settings: configuration.dht, family: .ipv4)
                dht = node
                let shared = v4Host == host && port == listeningPort ? connections.utpSocket : nil
                started.append(node.start(host: v4Host, port: port, shared: shared).recover { [self] error in
                    log.error("DHT off: cannot use UDP \(v4Host):\(port): \(error)")
                    dht = nil
                })
            }
            if let v6Host {
                let node = DHTNode(core: self, settings: configuration.dht, family: .ipv6)
                dht6 = node
                let shared = v6Host == host && port == listeningPort ? connections.utpSocket : nil
                started.append(node.start(host: v6Host, port: port, shared: shared).recover { [self] error in
                    // Many hosts have no IPv6: only an explicit IPv6 address makes this an error.
                    if everywhere {
                        log.debug("IPv6 DHT off: \(error)")
                    } else {
                        log.error("IPv6 DHT off: cannot use UDP [\(v6Host)]:\(port): \(error)")
                    }
                    dht6 = nil
                })
            }
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

    /// Behind a proxy: the IPv4 DHT on the proxy's UDP relay when it grants a UDP association;
    /// when it refuses, the DHT (and UDP trackers, which ask it themselves) stay off, said once in
    /// the log. LSD is off (multicast cannot go through a proxy); so is the IPv6 node.
    private func startDiscovery(through proxy: SOCKS5Proxy) -> EventLoopFuture<Void> {
        guard configuration.dht.enabled || configuration.useTrackers else { return loop.makeSucceededFuture(()) }
        return SOCKS5UDPAssociation.open(proxy: proxy, on: loop).flatMap { [self] association in
            guard configuration.dht.enabled else {
                association.close()
                return loop.makeSucceededFuture(())
            }
            let node = DHTNode(core: self, settings: configuration.dht, family: .ipv4)
            dht = node
            return node.start(host: association.localHost, port: configuration.dht.port ?? 0, through: association)
                .recover { [self] error in
                    log.error("DHT off: cannot use UDP through the proxy: \(error)")
                    association.close()
                    dht = nil
                }
        }.recover { [self] error in
            let what = configuration.dht.enabled ? "the DHT and UDP trackers stay off" : "UDP trackers stay off"
            let sentence = "the SOCKS5 proxy \(proxy) gives no UDP relay (\(error)): \(what)"
            log.warning("\(sentence)")
            recordEvent(.notice(nil, sentence))
        }
    }

    func stopDiscovery() -> EventLoopFuture<Void> {
        let stops = [dht?.shutdown(), dht6?.shutdown(), lsd?.shutdown()].compactMap { $0 }
        return EventLoopFuture.andAllComplete(stops, on: loop)
    }

    func discoveryTorrentAdded(_ torrent: TorrentRuntime) {
        guard !torrent.info.isPrivate else { return }
        discoveryMagnetAdded(torrent.infoHash)
    }

    /// Starts looking for peers of `infoHash` at once (a public torrent, or a magnet link).
    func discoveryMagnetAdded(_ infoHash: InfoHash) {
        dht?.torrentAdded(infoHash)
        dht6?.torrentAdded(infoHash)
        lsd?.torrentAdded(infoHash)
    }
}

extension SessionCore {
    /// The DHT node of `family`, if it runs.
    func dhtNode(for family: PeerAddressFamily) -> DHTNode? {
        family == .ipv4 ? dht : dht6
    }

    /// The DHT node that can reach `host` (IPv6 literals go to the IPv6 node).
    func dhtNode(reaching host: String) -> DHTNode? {
        host.contains(":") ? dht6 : dht
    }

    /// True when either DHT node runs.
    var isDHTRunning: Bool { dht != nil || dht6 != nil }

    /// Both nodes' health together; nil when the DHT is off.
    func dhtHealth(at now: SwarmInstant) -> DHTHealth? {
        let nodes = [dht, dht6].compactMap { $0?.health(at: now) }
        guard let first = nodes.first else { return nil }
        return nodes.dropFirst().reduce(first) { sum, next in
            DHTHealth(nodes: sum.nodes + next.nodes, goodNodes: sum.goodNodes + next.goodNodes,
                      lookupsInFlight: sum.lookupsInFlight + next.lookupsInFlight,
                      secondsSinceBootstrap: [sum.secondsSinceBootstrap, next.secondsSinceBootstrap].compactMap { $0 }.min())
        }
    }
}
