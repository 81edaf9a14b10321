import Engine
import EngineAPI
import Foundation
import Testing
import TestSupport
import TorrentCore

/// Torrents survive a restart of a session that remembers them.
@Suite(.timeLimit(.minutes(2))) struct SessionPersistenceTests {
    func rememberingSession(_ folder: String) async throws -> Session {
        var configuration = SessionConfiguration()
        configuration.listenHost = "127.0.0.1"
        configuration.listenPort = 0
        configuration.useTrackers = false
        configuration.resumeFolder = folder
        configuration.persistTorrents = true
        return try await Session(configuration: configuration)
    }

    func settled(_ engine: Session, count: Int,
                 _ condition: (SessionSnapshot) -> Bool = { _ in true }) async throws -> SessionSnapshot {
        for _ in 0..<100 {
            let snapshot = engine.snapshot(detail: nil)
            if snapshot.torrents.count == count, !snapshot.torrents.contains(where: { $0.phase == .queued }),
               condition(snapshot) {
                return snapshot
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw TimedOut(description: "the session did not settle on \(count) torrents")
    }

    @Test func torrentsComeBackInQueueOrderWithTheirChoicesAndTotals() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let state = dir.file("state")
        let alpha = try SwarmFixture.makeTorrent(in: dir, name: "alpha", files: [("a.bin", 300_000), ("b.bin", 200_000)])
        let beta = try SwarmFixture.makeTorrent(in: dir, name: "beta", files: [("c.bin", 400_000)])
        let alphaID = TorrentID(hex: alpha.infoHash.hex)
        let betaID = TorrentID(hex: beta.infoHash.hex)

        // A seeder that uploads part of alpha to a leecher, so there are totals to keep.
        let seeder = try await rememberingSession(state)
        _ = try await seeder.add(alpha, downloadDirectory: dir.file("seed"))
        _ = try await seeder.add(beta, downloadDirectory: dir.file("seed"))
        let leecher = try await SwarmFixture.session()
        let hash = try await leecher.add(alpha, downloadDirectory: dir.file("leech"))
        leecher.addPeers([await SwarmFixture.endpoint(of: seeder)], to: hash)
        try await withTimeout(30, "download") { try await leecher.waitUntilComplete(hash) }
        await leecher.shutdown()

        seeder.perform(.moveInQueue(betaID, .top))
        seeder.perform(.pause(alphaID))
        seeder.perform(.setFilePriority(alphaID, file: 1, .high))
        seeder.perform(.setRatioGoal(betaID, 2.5))
        seeder.perform(.setSeeding(betaID, false))
        let before = try await settled(seeder, count: 2) {
            $0.torrents.first?.id == betaID && ($0.torrents.last?.uploaded ?? 0) >= alpha.info.totalLength
        }
        let uploaded = try #require(before.torrents.first { $0.id == alphaID }?.uploaded)
        await seeder.shutdown()

        let restarted = try await rememberingSession(state)
        let problems = await restarted.restoreSavedTorrents()
        #expect(problems.isEmpty)
        let after = try await settled(restarted, count: 2)
        #expect(after.torrents.map(\.id) == [betaID, alphaID], "queue order kept")
        let alphaRow = try #require(after.torrents.first { $0.id == alphaID })
        let betaRow = try #require(after.torrents.first { $0.id == betaID })
        #expect(alphaRow.phase == .paused)
        #expect(alphaRow.uploaded == uploaded, "upload total survives the restart")
        #expect(betaRow.phase == .finished && !betaRow.seedWhenComplete)
        #expect(betaRow.ratioGoal == 2.5)
        _ = restarted.snapshot(detail: alphaID)
        try await Task.sleep(for: .milliseconds(400))
        let detail = try #require(restarted.snapshot(detail: alphaID).detail)
        #expect(detail.files.map(\.priority) == [.normal, .high])

        restarted.perform(.remove(betaID, deleteData: false))
        _ = try await settled(restarted, count: 1)
        await restarted.shutdown()
        let again = try await rememberingSession(state)
        #expect(await again.restoreSavedTorrents().isEmpty)
        #expect(try await settled(again, count: 1).torrents.map(\.id) == [alphaID], "a removed torrent stays removed")
        #expect(FileManager.default.fileExists(atPath: dir.file("seed/beta/c.bin")), "removing without data keeps it")
        await again.shutdown()
    }

    @Test func aDamagedSessionFileIsReportedAndStartsEmpty() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        _ = try dir.write("state/session.json", Array("{ not json".utf8))
        let session = try await rememberingSession(dir.file("state"))
        let problems = await session.restoreSavedTorrents()
        #expect(problems.count == 1)
        #expect(problems.first?.contains("damaged") == true)
        #expect(session.snapshot(detail: nil).torrents.isEmpty)
        await session.shutdown()
    }
}
