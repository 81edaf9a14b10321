import Engine
import EngineAPI
import Foundation
import Testing
import TestSupport
import TorrentCore

/// `setLocation`: a torrent's files move to another folder and it carries on from there; a move
/// that fails half-way leaves every file complete in the old folder.
@Suite(.timeLimit(.minutes(2))) struct MoveStorageTests {
    static let files = [("a.bin", 300_000), ("sub/b.bin", 200_000), ("sub/c.bin", 100_000)]

    /// A seeding session with the torrent `show` complete in `dir/seed`, and a copy of its files in `dir/original`.
    func seedingSession(in dir: TemporaryDirectory) async throws -> (Session, Metainfo, TorrentID) {
        let meta = try SwarmFixture.makeTorrent(in: dir, name: "show", files: Self.files)
        try FileManager.default.copyItem(atPath: dir.file("seed"), toPath: dir.file("original"))
        let session = try await SwarmFixture.session()
        try await session.add(meta, downloadDirectory: dir.file("seed"))
        return (session, meta, TorrentID(hex: meta.infoHash.hex))
    }

    func row(_ engine: any TorrentEngine, _ id: TorrentID, until condition: @escaping (TorrentSnapshot) -> Bool)
        async throws -> TorrentSnapshot {
        guard let row = await engine.wait(for: id, timeout: .seconds(30), until: { $0.map(condition) ?? false })
        else { throw TimedOut(description: "the torrent did not reach the expected state in 30 s") }
        return row
    }

    @Test func movedDataIsInTheNewFolderAndTheTorrentSeedsFromThereWithItsSettings() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let (session, meta, id) = try await seedingSession(in: dir)
        let engine: any TorrentEngine = session
        engine.perform(.setLabels(id, ["films"]))
        engine.perform(.setSequential(id, true))
        let target = dir.file("library/films")

        engine.perform(.setLocation(id, directory: target, moveData: true))
        let moved = try await row(engine, id) { $0.downloadDirectory == target && $0.phase == .seeding }
        #expect(moved.moveProgress == nil && moved.progress == 1)
        #expect(moved.labels == ["films"] && moved.sequential, "settings survive the move")
        #expect(sameFiles(meta, dir.file("original"), target), "every byte arrived")
        for (path, _) in Self.files {
            #expect(!FileManager.default.fileExists(atPath: dir.file("seed/show/\(path)")), "\(path) left behind")
        }
        #expect(!FileManager.default.fileExists(atPath: dir.file("seed/show")), "the emptied folders are gone")
        let expected = EngineEvent.notice(id, "moved its data to \(target)")
        let events = await engine.events(until: { $0 == expected })
        #expect(events.contains(expected))
        #expect(engine.snapshot(detail: nil).torrents.count == 1)
        await session.shutdown()
    }

    @Test func aMoveThatFailsHalfWayPutsEveryFileBackAndSaysSo() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let (session, meta, id) = try await seedingSession(in: dir)
        let engine: any TorrentEngine = session
        let target = dir.file("blocked")
        // a.bin can move, but a plain file stands where the folder sub/ must go.
        _ = try dir.write("blocked/show/sub", Array("not a folder".utf8))

        engine.perform(.setLocation(id, directory: target, moveData: true))
        let events = await engine.events(until: { if case .commandFailed(.some(id), _) = $0 { true } else { false } },
                                         timeout: .seconds(30))
        let message = events.compactMap { if case .commandFailed(.some(id), let text) = $0 { text } else { nil } }.first
        #expect(message?.contains("every file is still in the old folder") == true, "\(message ?? "no event")")
        let back = try await row(engine, id) { $0.phase == .seeding && $0.moveProgress == nil }
        #expect(back.downloadDirectory == dir.file("seed"))
        #expect(back.progress == 1)
        #expect(sameFiles(meta, dir.file("original"), dir.file("seed")), "every file complete where it was")
        #expect(!FileManager.default.fileExists(atPath: dir.file("blocked/show/a.bin")), "the moved file went back")
        await session.shutdown()
    }

    @Test func withoutMovingTheTorrentChecksTheDataInTheNewFolder() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let (session, _, id) = try await seedingSession(in: dir)
        let engine: any TorrentEngine = session
        // A new, empty folder: nothing there verifies, so the torrent wants everything again.
        engine.perform(.setLocation(id, directory: dir.file("empty"), moveData: false))
        let pointed = try await row(engine, id) { row in
            if case .checking = row.phase { return false }
            return row.downloadDirectory == dir.file("empty") && row.moveProgress == nil
        }
        #expect(pointed.progress == 0)
        #expect(FileManager.default.fileExists(atPath: dir.file("seed/show/a.bin")), "the old data is left alone")
        await session.shutdown()
    }

    @Test func refusesTheFolderItIsAlreadyIn() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let (session, _, id) = try await seedingSession(in: dir)
        let engine: any TorrentEngine = session
        engine.perform(.setLocation(id, directory: dir.file("seed"), moveData: true))
        let events = await engine.events(until: { if case .commandFailed(.some(id), _) = $0 { true } else { false } })
        #expect(events.contains {
            if case .commandFailed(.some(id), let text) = $0 { text.contains("already in") } else { false }
        })
        await session.shutdown()
    }
}
