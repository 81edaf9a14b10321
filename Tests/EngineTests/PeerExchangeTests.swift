import Engine
import EngineAPI
import Foundation
import Testing
import TestSupport
import TorrentCore

/// Peer exchange (BEP 11) between rill sessions on 127.0.0.x: a leecher told only of a middle
/// peer learns the seeder from it, except on private torrents (BEP 27).
@Suite(.timeLimit(.minutes(2))) struct PeerExchangeTests {
    /// Seeder S (127.0.0.2); middle M (127.0.0.3) fetching slowly from S; leecher L (127.0.0.4) told only of M.
    /// Returns the sources L's peers came from, polled for up to `seconds`, stopping once S shows up.
    func leecherPeerSources(isPrivate: Bool, seconds: Double) async throws -> [String: String] {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let meta = try SwarmFixture.makeTorrent(in: dir, name: "pex", files: [("pex.bin", 2_000_000)],
                                                isPrivate: isPrivate)
        let seeder = try await SwarmFixture.session(host: "127.0.0.2")
        let middle = try await SwarmFixture.session(host: "127.0.0.3")
        let leecher = try await SwarmFixture.session(host: "127.0.0.4")
        _ = try await seeder.add(meta, downloadDirectory: dir.file("seed"))
        var slow = AddOptions()
        slow.downloadRateLimit = 50_000  // M stays partial, and connected to S, for the whole test
        _ = try await middle.add(meta, downloadDirectory: dir.file("middle"), options: slow)
        let seederAddress = await SwarmFixture.endpoint(of: seeder, host: "127.0.0.2")
        middle.addPeers([seederAddress], to: meta.infoHash)
        try await Task.sleep(for: .milliseconds(500))
        _ = try await leecher.add(meta, downloadDirectory: dir.file("leech"), options: slow)
        leecher.addPeers([await SwarmFixture.endpoint(of: middle, host: "127.0.0.3")], to: meta.infoHash)

        let id = TorrentID(hex: meta.infoHash.hex)
        var sources: [String: String] = [:]
        let deadline = ContinuousClock.now + .seconds(seconds)
        while ContinuousClock.now < deadline && sources[seederAddress.description] == nil {
            for peer in leecher.snapshot(detail: id).detail?.peers ?? [] { sources[peer.address] = peer.source }
            try await Task.sleep(for: .milliseconds(100))
        }
        await leecher.shutdown()
        await middle.shutdown()
        await seeder.shutdown()
        return sources
    }

    @Test func leecherLearnsTheSeederFromAMiddlePeer() async throws {
        let sources = try await leecherPeerSources(isPrivate: false, seconds: 20)
        #expect(sources.values.contains("pex"), "peers and their sources: \(sources)")
        #expect(sources.contains { $0.key.hasPrefix("127.0.0.2:") && $0.value == "pex" })
    }

    @Test func privateTorrentsExchangeNoPeers() async throws {
        let sources = try await leecherPeerSources(isPrivate: true, seconds: 6)
        #expect(!sources.values.contains("pex"), "peers and their sources: \(sources)")
        #expect(sources.keys.contains { $0.hasPrefix("127.0.0.3:") }, "the middle peer was connected")
    }
}
