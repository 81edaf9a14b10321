import Engine
import EngineAPI
import Foundation
import Testing
import TestSupport
import TorrentCore

/// A seeder's upload slots do not idle between choke rounds (every 10 s) while a leecher waits.
@Suite(.timeLimit(.minutes(2))) struct UploadSlotTests {
    @Test func aSlotFreedByALeavingLeecherGoesToAWaitingOneAtOnce() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        // Private: no PEX, so the waiting leecher can only get data from the seeder.
        let meta = try SwarmFixture.makeTorrent(in: dir, name: "slot", files: [("slot.bin", 1_500_000)],
                                                isPrivate: true)
        let seeder = try await SwarmFixture.session { $0.uploadSlots = 1 }
        let seederStarted = ContinuousClock.now
        _ = try await seeder.add(meta, downloadDirectory: dir.file("seed"))
        let seedAddress = await SwarmFixture.endpoint(of: seeder)
        let id = TorrentID(hex: meta.infoHash.hex)

        // The first leecher takes the only slot and keeps it: its download is limited.
        let holder = try await SwarmFixture.session()
        var slow = AddOptions()
        slow.downloadRateLimit = 50_000
        _ = try await holder.add(meta, downloadDirectory: dir.file("holder"), options: slow)
        holder.addPeers([seedAddress], to: meta.infoHash)
        let holding = await holder.wait(for: id, timeout: .seconds(20)) { ($0?.sessionDownloaded ?? 0) > 0 }
        #expect((holding?.sessionDownloaded ?? 0) > 0, "the first leecher got data")

        let waiter = try await SwarmFixture.session()
        _ = try await waiter.add(meta, downloadDirectory: dir.file("waiter"))
        waiter.addPeers([seedAddress], to: meta.infoHash)
        _ = await seeder.wait(for: id, timeout: .seconds(20)) { ($0?.peers ?? 0) >= 2 }
        try await Task.sleep(for: .milliseconds(500))  // its interest arrives; the slot is taken
        let waiting = await waiter.stats(for: meta.infoHash)
        #expect(waiting?.sessionDownloaded == 0, "the second leecher waits while the slot is taken")

        await holder.shutdown()
        let left = ContinuousClock.now
        try await withTimeout(30, "download") { try await waiter.waitUntilComplete(meta.infoHash) }
        let waited = ContinuousClock.now - left
        // Before, the slot stayed idle until the seeder's first choke round, 10 s after it started.
        let roundDue = seederStarted + .seconds(10) - left
        #expect(waited < .seconds(4), "finished \(waited) after the slot was freed; the round was due in \(roundDue)")
        #expect(sameFiles(meta, dir.file("seed"), dir.file("waiter")))
        await waiter.shutdown()
        await seeder.shutdown()
    }
}
