import Engine
import EngineAPI
import Foundation
import Testing
import TestSupport
import TorrentCore

/// The engine as the UI drives it: snapshots, events and commands through `TorrentEngine`.
@Suite(.timeLimit(.minutes(2))) struct EngineFacadeTests {
    /// Polls `engine` until `condition` holds for a snapshot (at most `seconds`).
    func waitFor(_ engine: any TorrentEngine, detail: TorrentID? = nil, seconds: Double = 30,
                 _ condition: (SessionSnapshot) -> Bool) async throws -> SessionSnapshot {
        guard let snapshot = await engine.waitForSnapshot(detail: detail, timeout: .seconds(seconds), until: condition)
        else { throw TimedOut(description: "condition not met within \(seconds) s") }
        return snapshot
    }

    @Test func snapshotsShowTorrentsPeersPiecesAndCommandsTakeEffect() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let meta = try SwarmFixture.makeTorrent(in: dir, name: "show", files: [("a.bin", 1_000_000), ("b.bin", 600_000)])
        let seeder = try await SwarmFixture.session()
        _ = try await seeder.add(meta, downloadDirectory: dir.file("seed"))
        var configuration = SessionConfiguration()
        configuration.listenHost = "127.0.0.1"
        configuration.listenPort = 0
        configuration.useTrackers = false
        configuration.downloadRateLimit = 400_000  // slow enough to watch it move
        let leecher = try await Session(configuration: configuration)
        let engine: any TorrentEngine = leecher
        let id = TorrentID(hex: meta.infoHash.hex)

        engine.perform(.add(.torrentFile(path: try writeTorrent(meta, in: dir)), directory: dir.file("leech")))
        var snapshot = try await waitFor(engine) { $0.torrents.contains { $0.id == id } }
        #expect(snapshot.torrents.first?.name == "show")
        #expect(snapshot.listenPort > 0)

        engine.perform(.addPeer(id, host: "127.0.0.1", port: await seeder.listeningPort))
        snapshot = try await waitFor(engine, detail: id) { ($0.detail?.peers.first?.downloadRate ?? 0) > 0 }
        let detail = try #require(snapshot.detail)
        let peer = try #require(detail.peers.first)
        #expect(peer.client == "rill/0.1.0")
        #expect(peer.flags.contains(.weAreInterested) && !peer.flags.contains(.peerChokes) && peer.flags.contains(.seed))
        #expect(peer.source == "manual")
        #expect(peer.progress == 1)
        #expect(detail.files.map(\.path) == ["show/a.bin", "show/b.bin"])
        #expect(detail.pieces.count == meta.info.pieceCount)
        #expect(detail.pieces.availability.allSatisfy { $0 == 1 }, "the one seed has every piece")

        engine.perform(.pause(id))
        _ = try await waitFor(engine) { $0.torrents.first?.phase == .paused && $0.torrents.first?.peers == 0 }
        // Pieces already received still finish verifying; after that nothing may change.
        try await Task.sleep(for: .milliseconds(500))
        let pausedAt = engine.snapshot(detail: nil).torrents[0].progress
        #expect(pausedAt < 1)
        try await Task.sleep(for: .milliseconds(600))
        #expect(engine.snapshot(detail: nil).torrents[0].progress == pausedAt, "nothing moves while paused")

        engine.perform(.setRateLimits(download: nil, upload: nil))
        engine.perform(.resume(id))
        snapshot = try await waitFor(engine) { $0.torrents.first?.phase == .seeding }
        #expect(snapshot.torrents[0].progress == 1)
        #expect(snapshot.downloadLimit == nil)

        engine.perform(.remove(id, deleteData: true))
        _ = try await waitFor(engine) { $0.torrents.isEmpty }
        let events = engine.drainEvents()
        #expect(events.contains(.added(id, name: "show")))
        #expect(events.contains(.completed(id)))
        try await Task.sleep(for: .milliseconds(300))
        #expect(!FileManager.default.fileExists(atPath: dir.file("leech/show/a.bin")), "remove with data deletes the files")
        #expect(engine.drainEvents().contains(.removed(id)) || events.contains(.removed(id)))

        engine.perform(.pause(id))
        try await Task.sleep(for: .milliseconds(100))
        #expect(engine.drainEvents().contains { if case .commandFailed = $0 { true } else { false } })
        await leecher.shutdown()
        await seeder.shutdown()
    }

    @Test func skippingAFileOfACompleteTorrentAndWantingItBackResumesTheDownload() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let meta = try SwarmFixture.makeTorrent(in: dir, name: "pick", files: [("keep.bin", 300_000), ("later.bin", 300_000)])
        let seeder = try await SwarmFixture.session()
        _ = try await seeder.add(meta, downloadDirectory: dir.file("seed"))
        let leecher = try await SwarmFixture.session()
        let options = AddOptions(selectedFiles: [0])
        let hash = try await leecher.add(meta, downloadDirectory: dir.file("leech"), options: options)
        let id = TorrentID(hex: hash.hex)
        leecher.addPeers([await SwarmFixture.endpoint(of: seeder)], to: hash)
        _ = try await waitFor(leecher) { $0.torrents.first?.phase == .seeding }
        let skipped = try await waitFor(leecher, detail: id) { $0.detail != nil }
        #expect(skipped.detail?.files.last?.priority == .skip)
        #expect(skipped.detail?.files.last?.progress ?? 1 < 1)

        leecher.perform(.setFilePriority(id, file: 1, .high))
        let done = try await waitFor(leecher, detail: id) { $0.detail?.files.last?.progress == 1 }
        #expect(done.detail?.files.last?.priority == .high)
        #expect(sameFiles(meta, dir.file("seed"), dir.file("leech")))
        await leecher.shutdown()
        await seeder.shutdown()
    }

    private func writeTorrent(_ meta: Metainfo, in dir: TemporaryDirectory) throws -> String {
        var builder = MetainfoBuilder(name: meta.name, pieceLength: meta.info.pieceLength,
                                      files: meta.info.files.map { .init(path: Array($0.path.dropFirst()), length: $0.length) })
        builder.createdBy = nil
        let bytes = builder.torrentBytes(pieceHashes: meta.info.pieceHashes)
        #expect(try Metainfo(bytes: bytes).infoHash == meta.infoHash)
        return try dir.write("show.torrent", bytes)
    }
}
