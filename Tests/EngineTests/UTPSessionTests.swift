import Engine
import EngineAPI
import Foundation
import Testing
import TestSupport
import TorrentCore

/// rill sessions trading over uTP (BEP 29) on 127.0.0.1, and the fallback to TCP.
@Suite(.timeLimit(.minutes(2))) struct UTPSessionTests {
    @Test func rillSeedsToRillOverUTPAndTheSnapshotsSaySo() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let meta = try SwarmFixture.makeTorrent(in: dir, name: "clip", files: [("clip.bin", 2_500_071)])
        let seeder = try await SwarmFixture.session { $0.useUTP = true }
        // Slowed to 1 MB/s, so the connection lasts a few seconds for the snapshots to show.
        let leecher = try await SwarmFixture.session {
            $0.useUTP = true
            $0.downloadRateLimit = 1_000_000
        }
        _ = try await seeder.add(meta, downloadDirectory: dir.file("seed"))
        let hash = try await leecher.add(meta, downloadDirectory: dir.file("leech"))
        leecher.addPeers([await SwarmFixture.endpoint(of: seeder)], to: hash)

        // While connected, the peer row is flagged uTP and the session counts it.
        let id = TorrentID(hex: hash.hex)
        let sawUTP = await leecher.waitForSnapshot(detail: id, timeout: .seconds(10)) { snapshot in
            snapshot.utpConnections == 1 && snapshot.utpEnabled
                && snapshot.detail?.peers.contains { $0.flags.contains(.utp) } == true
        } != nil
        #expect(sawUTP, "the leecher never showed a uTP peer")
        try await withTimeout(60, "download") { try await leecher.waitUntilComplete(hash) }
        #expect(sameFiles(meta, dir.file("seed"), dir.file("leech")))
        await leecher.shutdown()
        await seeder.shutdown()
    }

    @Test func aPeerWithoutUTPIsReachedOverTCPAfterTheSynGivesUp() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let meta = try SwarmFixture.makeTorrent(in: dir, name: "doc", files: [("doc.bin", 600_013)])
        let seeder = try await SwarmFixture.session { $0.useUTP = false }
        let leecher = try await SwarmFixture.session { $0.useUTP = true }
        _ = try await seeder.add(meta, downloadDirectory: dir.file("seed"))
        let hash = try await leecher.add(meta, downloadDirectory: dir.file("leech"))
        let started = Date()
        leecher.addPeers([await SwarmFixture.endpoint(of: seeder)], to: hash)
        try await withTimeout(60, "download") { try await leecher.waitUntilComplete(hash) }
        let seconds = Date().timeIntervalSince(started)
        #expect(seconds < 10, "TCP came \(seconds) s after the uTP attempt began")
        #expect(sameFiles(meta, dir.file("seed"), dir.file("leech")))
        #expect(seeder.snapshot(detail: nil).utpEnabled == false)
        await leecher.shutdown()
        await seeder.shutdown()
    }
}
