import Bencode
@testable import Engine
import EngineAPI
import Foundation
import Storage
import Testing
import TestSupport
import TorrentCore

/// Sessions that find each other only through their DHT nodes, on 127.0.0.x, with no trackers.
@Suite struct DHTSessionTests {
    static func dhtSession(host: String, bootstrap: [String], stateFile: String? = nil) async throws -> Session {
        var configuration = SessionConfiguration()
        configuration.listenHost = host
        configuration.listenPort = 0
        configuration.useTrackers = false
        configuration.dht.enabled = true
        configuration.dht.bootstrapNodes = bootstrap
        configuration.dht.stateFile = stateFile
        return try await Session(configuration: configuration)
    }

    @Test func aSessionFindsAnotherSessionsTorrentThroughTheDHTAndDownloadsIt() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let meta = try SwarmFixture.makeTorrent(in: dir, name: "dht", files: [("dht.bin", 1_200_007)])
        // A plain DHT node everyone bootstraps from; it holds no torrent.
        let router = try await Self.dhtSession(host: "127.0.0.21", bootstrap: [])
        let routerPort = try #require(await router.dhtPort)
        let seeder = try await Self.dhtSession(host: "127.0.0.22", bootstrap: ["127.0.0.21:\(routerPort)"])
        let leecher = try await Self.dhtSession(host: "127.0.0.23", bootstrap: ["127.0.0.21:\(routerPort)"],
                                                stateFile: dir.file("leecher-dht.dat"))
        _ = try await seeder.add(meta, downloadDirectory: dir.file("seed"))
        // Give the seeder a moment to announce before the leecher looks (it would ask again 30 s later).
        try await Task.sleep(for: .seconds(2))
        let hash = try await leecher.add(meta, downloadDirectory: dir.file("leech"))

        try await withTimeout(60, "download found through the DHT") { try await leecher.waitUntilComplete(hash) }
        #expect(sameFiles(meta, dir.file("seed"), dir.file("leech")))
        // No tracker and no peer was given: the DHT was the only way the two could meet.
        let health = try #require(leecher.snapshot(detail: nil).dht)
        #expect(health.nodes >= 1)
        await leecher.shutdown()
        await seeder.shutdown()
        await router.shutdown()

        // The leecher saved its routing table; the router is in it.
        let state = try #require(DHTState.load(from: dir.file("leecher-dht.dat")))
        #expect(state.nodes.contains { $0.endpoint == PeerEndpoint(host: "127.0.0.21", port: UInt16(routerPort)) })
    }

    @Test(.enabled(if: IPv6SwarmTests.hasIPv6Loopback, "this host has no IPv6 loopback"))
    func sessionsFindEachOtherThroughAnIPv6DHT() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let meta = try SwarmFixture.makeTorrent(in: dir, name: "six", files: [("six.bin", 700_001)])
        let router = try await Self.dhtSession(host: "::1", bootstrap: [])
        let routerPort = try #require(await router.dhtPort)
        let seeder = try await Self.dhtSession(host: "::1", bootstrap: ["[::1]:\(routerPort)"])
        let leecher = try await Self.dhtSession(host: "::1", bootstrap: ["[::1]:\(routerPort)"],
                                                stateFile: dir.file("dht.dat"))
        _ = try await seeder.add(meta, downloadDirectory: dir.file("seed"))
        try await Task.sleep(for: .seconds(2))
        let hash = try await leecher.add(meta, downloadDirectory: dir.file("leech"))
        try await withTimeout(60, "download found through the IPv6 DHT") { try await leecher.waitUntilComplete(hash) }
        #expect(sameFiles(meta, dir.file("seed"), dir.file("leech")))
        await leecher.shutdown()
        await seeder.shutdown()
        await router.shutdown()
        // The IPv6 table is saved beside the IPv4 one, in nodes6 form.
        let state = try #require(DHTState.load(from: dir.file("dht.dat.ipv6")))
        #expect(state.nodes.contains { $0.endpoint == PeerEndpoint(host: "::1", port: UInt16(routerPort)) })
    }

    @Test func theRoutingTableIsSavedAndReloadedWithTheSameID() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let router = try await Self.dhtSession(host: "127.0.0.24", bootstrap: [])
        let routerPort = try #require(await router.dhtPort)
        let stateFile = dir.file("dht.dat")
        let first = try await Self.dhtSession(host: "127.0.0.25", bootstrap: ["127.0.0.24:\(routerPort)"],
                                              stateFile: stateFile)
        try await waitUntil(10, "the first session to learn the router") { (first.snapshot(detail: nil).dht?.nodes ?? 0) >= 1 }
        await first.shutdown()
        let saved = try #require(DHTState.load(from: stateFile))
        #expect(saved.nodes.map(\.endpoint) == [PeerEndpoint(host: "127.0.0.24", port: UInt16(routerPort))])

        // No bootstrap nodes this time: the saved table is all it has.
        let second = try await Self.dhtSession(host: "127.0.0.25", bootstrap: [], stateFile: stateFile)
        try await waitUntil(10, "the reloaded table to be confirmed") { (second.snapshot(detail: nil).dht?.goodNodes ?? 0) >= 1 }
        let secondID = try await second.core.loop.submit { second.core.dht?.ownID }.get()
        #expect(secondID == saved.id)
        await second.shutdown()
        await router.shutdown()
    }

    @Test func peersThatSpeakDHTTellEachOtherTheirDHTPortAndJoinTheTables() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let meta = try SwarmFixture.makeTorrent(in: dir, name: "port", files: [("port.bin", 300_000)])
        // No bootstrap nodes: the only way to learn of each other's DHT node is the `port` message.
        let seeder = try await Self.dhtSession(host: "127.0.0.28", bootstrap: [])
        let leecher = try await Self.dhtSession(host: "127.0.0.29", bootstrap: [])
        _ = try await seeder.add(meta, downloadDirectory: dir.file("seed"))
        let hash = try await leecher.add(meta, downloadDirectory: dir.file("leech"))
        leecher.addPeers([await SwarmFixture.endpoint(of: seeder, host: "127.0.0.28")], to: hash)
        try await waitUntil(20, "both DHT nodes to know each other") {
            (seeder.snapshot(detail: nil).dht?.goodNodes ?? 0) >= 1 && (leecher.snapshot(detail: nil).dht?.goodNodes ?? 0) >= 1
        }
        let seederDHTPort = try #require(await seeder.dhtPort)
        let known = try await leecher.core.loop.submit { leecher.core.dht?.table.entries.map(\.node.endpoint) ?? [] }.get()
        #expect(known == [PeerEndpoint(host: "127.0.0.28", port: UInt16(seederDHTPort))])
        await leecher.shutdown()
        await seeder.shutdown()
    }

    @Test func bootstrapNamesResolveToAddressesOfTheNodesFamily() {
        // /etc/hosts answers for localhost without any network.
        #expect(HostResolver.addresses(of: "localhost", family: .ipv4) == ["127.0.0.1"])
    }

    @Test func privateTorrentsAreNotLookedUp() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try dir.write("seed/p/p.bin", pseudoRandomBytes(count: 50_000, seed: 3))
        var options = TorrentCreator.Options()
        options.isPrivate = true
        let meta = try Metainfo(bytes: try TorrentCreator.create(from: dir.file("seed/p"), options: options))
        #expect(meta.info.isPrivate)
        let session = try await Self.dhtSession(host: "127.0.0.26", bootstrap: ["127.0.0.27:9"])
        _ = try await session.add(meta, downloadDirectory: dir.file("seed"))
        let wanted = try await session.core.loop.submit { session.core.dhtWantedTorrents().count }.get()
        #expect(wanted == 0)
        await session.shutdown()
    }
}

/// Polls `condition` every 50 ms until it holds, failing after `seconds`.
func waitUntil(_ seconds: Double, _ what: String, _ condition: @escaping @Sendable () async -> Bool) async throws {
    let deadline = ContinuousClock.now + .seconds(seconds)
    while ContinuousClock.now < deadline {
        if await condition() { return }
        try await Task.sleep(for: .milliseconds(50))
    }
    throw TimedOut(description: "\(what) did not happen within \(seconds) s")
}
