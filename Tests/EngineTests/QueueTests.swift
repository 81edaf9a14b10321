import Engine
import EngineAPI
import Foundation
import Testing
import TestSupport
import TorrentCore

/// The torrent queue as a user drives it: active limits, queue moves, pausing, ratio goals.
@Suite(.timeLimit(.minutes(2))) struct QueueTests {
    func waitFor(_ engine: any TorrentEngine, seconds: Double = 30, _ what: String,
                 _ condition: (SessionSnapshot) -> Bool) async throws -> SessionSnapshot {
        guard let snapshot = await engine.waitForSnapshot(timeout: .seconds(seconds), until: condition)
        else { throw TimedOut(description: "\(what) within \(seconds) s") }
        return snapshot
    }

    func phases(_ snapshot: SessionSnapshot, _ ids: [TorrentID]) -> [TorrentPhase?] {
        ids.map { id in snapshot.torrents.first { $0.id == id }?.phase }
    }

    /// A seeder holding three torrents, and a leecher that may download only one at a time.
    func threeTorrentSwarm(_ dir: TemporaryDirectory, leecher configure: (inout SessionConfiguration) -> Void)
        async throws -> (seeder: Session, leecher: Session, ids: [TorrentID]) {
        let seeder = try await SwarmFixture.session()
        var configuration = SessionConfiguration()
        configuration.listenHost = "127.0.0.1"
        configuration.listenPort = 0
        configuration.useTrackers = false
        configure(&configuration)
        let leecher = try await Session(configuration: configuration)
        let seederAddress = await SwarmFixture.endpoint(of: seeder)
        var ids: [TorrentID] = []
        for name in ["first", "second", "third"] {
            let meta = try SwarmFixture.makeTorrent(in: dir, name: name, files: [("\(name).bin", 700_000)])
            _ = try await seeder.add(meta, downloadDirectory: dir.file("seed"))
            let hash = try await leecher.add(meta, downloadDirectory: dir.file("leech"))
            leecher.addPeers([seederAddress], to: hash)
            ids.append(TorrentID(hex: hash.hex))
        }
        return (seeder, leecher, ids)
    }

    @Test func onlyTheFirstInQueueDownloadsAndMovingAnotherToTheTopSwapsThem() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let (seeder, leecher, ids) = try await threeTorrentSwarm(dir) {
            $0.maxActiveDownloads = 1
            $0.downloadRateLimit = 200_000
        }
        var snapshot = try await waitFor(leecher, "first downloading, the others queued") {
            phases($0, ids) == [.downloading, .queued, .queued]
        }
        #expect(snapshot.torrents.map(\.queuePosition) == [0, 1, 2])
        #expect(snapshot.maxActiveDownloads == 1)
        #expect(snapshot.torrents[1].peers == 0 && snapshot.torrents[2].peers == 0, "queued torrents hold no peers")

        leecher.perform(.moveInQueue(ids[2], .top))
        snapshot = try await waitFor(leecher, "third takes the slot from first") {
            phases($0, ids) == [.queued, .queued, .downloading]
        }
        #expect(snapshot.torrents.first { $0.id == ids[2] }?.queuePosition == 0)
        #expect(snapshot.torrents.first { $0.id == ids[0] }?.queuePosition == 1)

        leecher.perform(.setRateLimits(download: nil, upload: nil))
        leecher.perform(.setQueueLimits(downloads: nil, seeds: 1))
        snapshot = try await waitFor(leecher, seconds: 60, "all complete, one seeding") {
            $0.torrents.allSatisfy { $0.progress == 1 } && $0.torrents.count { $0.phase == .seeding } == 1
        }
        #expect(snapshot.torrents.count { $0.phase == .queued } == 2, "the other two wait for a seed slot")
        #expect(snapshot.torrents.first { $0.id == ids[2] }?.phase == .seeding, "the first in queue seeds")
        await leecher.shutdown()
        await seeder.shutdown()
    }

    @Test func pausingTheActiveDownloadLetsTheNextOneRunUntilItIsResumed() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let (seeder, leecher, ids) = try await threeTorrentSwarm(dir) {
            $0.maxActiveDownloads = 1
            $0.downloadRateLimit = 150_000
        }
        _ = try await waitFor(leecher, "first downloading") { phases($0, ids) == [.downloading, .queued, .queued] }
        leecher.perform(.pause(ids[0]))
        _ = try await waitFor(leecher, "second runs while first is paused") {
            phases($0, ids) == [.paused, .downloading, .queued]
        }
        leecher.perform(.resume(ids[0]))
        _ = try await waitFor(leecher, "first, earlier in the queue, takes its slot back") {
            phases($0, ids) == [.downloading, .queued, .queued]
        }
        await leecher.shutdown()
        await seeder.shutdown()
    }

    @Test func aSeedStopsOnceItReachesItsRatioGoal() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let meta = try SwarmFixture.makeTorrent(in: dir, name: "goal", files: [("goal.bin", 800_000)])
        let seeder = try await SwarmFixture.session()
        let options = AddOptions(ratioGoal: 1.0)
        let hash = try await seeder.add(meta, downloadDirectory: dir.file("seed"), options: options)
        let id = TorrentID(hex: hash.hex)
        #expect(seeder.snapshot(detail: nil).torrents.first?.ratioGoal == 1.0)

        let leecher = try await SwarmFixture.session()
        _ = try await leecher.add(meta, downloadDirectory: dir.file("leech"))
        leecher.addPeers([await SwarmFixture.endpoint(of: seeder)], to: hash)
        try await withTimeout(30, "download") { try await leecher.waitUntilComplete(hash) }

        let snapshot = try await waitFor(seeder, "seeder stops at ratio 1") { $0.torrents.first?.phase == .finished }
        let row = try #require(snapshot.torrents.first)
        #expect(row.uploaded >= meta.info.totalLength)
        #expect(!row.seedWhenComplete)
        #expect(seeder.drainEvents().contains { if case .notice(id, _) = $0 { true } else { false } })
        await leecher.shutdown()
        await seeder.shutdown()
    }
}
