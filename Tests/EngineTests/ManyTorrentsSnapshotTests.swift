import Engine
import EngineAPI
import Foundation
import Testing
import TestSupport
import TorrentCore

/// With a thousand torrents in the session, a change to any one of them still reaches the
/// snapshot (snapshots rebuild only the rows that changed; see `SnapshotRows`).
@Suite(.timeLimit(.minutes(3))) struct ManyTorrentsSnapshotTests {
    static let count = 1_000

    /// A one-piece torrent whose data is not on disk: it waits for a download slot.
    static func torrentBytes(_ index: Int) -> [UInt8] {
        let name = "missing-\(index).bin"
        var bytes = Array("d4:infod6:lengthi1000e4:name\(name.utf8.count):\(name)12:piece lengthi16384e6:pieces20:".utf8)
        bytes += (0..<20).map { UInt8(truncatingIfNeeded: index &* 31 &+ $0) }
        return bytes + Array("ee".utf8)
    }

    func waitFor(_ engine: Session, _ what: String, _ condition: (SessionSnapshot) -> Bool) async throws
        -> SessionSnapshot {
        guard let snapshot = await engine.waitForSnapshot(timeout: .seconds(60), until: condition)
        else { throw TimedOut(description: "\(what) within 60 s") }
        return snapshot
    }

    @Test func aChangeToOneRowAmongManyReachesTheSnapshot() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let session = try await SwarmFixture.session { $0.maxActiveDownloads = 2 }
        let torrents = (0..<Self.count).map(Self.torrentBytes)
        let ids = try torrents.map { TorrentID(try Metainfo(bytes: $0).info) }
        for bytes in torrents { session.perform(.add(.torrentData(bytes), directory: dir.file("data"))) }
        func phase(_ snapshot: SessionSnapshot, _ index: Int) -> TorrentPhase? {
            snapshot.torrents.first { $0.id == ids[index] }?.phase
        }

        var snapshot = try await waitFor(session, "every torrent listed, the first two downloading") { snapshot in
            snapshot.torrents.count == Self.count && phase(snapshot, 0) == .downloading
                && phase(snapshot, 1) == .downloading && snapshot.torrents.dropFirst(2).allSatisfy { $0.phase == .queued }
        }
        #expect(snapshot.torrents.map(\.id) == ids, "listed in the order they were added")
        #expect(snapshot.torrents.map(\.queuePosition) == Array(0..<Self.count))

        session.perform(.pause(ids[0]))
        snapshot = try await waitFor(session, "the first paused, the first queued one started") {
            phase($0, 0) == .paused && phase($0, 2) == .downloading
        }
        #expect(phase(snapshot, 1) == .downloading)
        #expect(snapshot.torrents.dropFirst(3).allSatisfy { $0.phase == .queued }, "the rest still wait")

        session.perform(.setLabels(ids[700], ["deep in the queue"]))
        snapshot = try await waitFor(session, "a queued torrent's new label shown") {
            $0.torrents.first { $0.id == ids[700] }?.labels == ["deep in the queue"]
        }
        #expect(phase(snapshot, 700) == .queued)

        session.perform(.moveInQueue(ids[900], .top))
        snapshot = try await waitFor(session, "a torrent moved to the top is listed first and downloads") {
            $0.torrents.first?.id == ids[900] && phase($0, 900) == .downloading
        }
        #expect(snapshot.torrents.map(\.queuePosition) == Array(0..<Self.count))

        session.perform(.remove(ids[500], deleteData: false))
        snapshot = try await waitFor(session, "a removed torrent gone from the list") {
            $0.torrents.count == Self.count - 1
        }
        let expected = [ids[900]] + ids.enumerated().filter { $0.offset != 900 && $0.offset != 500 }.map(\.element)
        #expect(snapshot.torrents.map(\.id) == expected, "the others keep their order")
        #expect(snapshot.torrents.map(\.queuePosition) == Array(0..<(Self.count - 1)), "and are numbered again")
        #expect(snapshot.torrents.first { $0.id == ids[700] }?.labels == ["deep in the queue"])
        await session.shutdown()
    }
}
