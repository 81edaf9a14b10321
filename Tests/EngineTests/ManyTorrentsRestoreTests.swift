import Engine
import EngineAPI
import Foundation
import Storage
import Synchronization
import Testing
import TestSupport
import TorrentCore

#if canImport(Glibc)
import Glibc
#endif

/// A large saved session comes back from its resume data: no torrent's data is read again.
@Suite(.timeLimit(.minutes(5))) struct ManyTorrentsRestoreTests {
    static let count = 2_000

    /// Reads through the storage the session opens for its torrents, counted.
    final class ReadCounter: Sendable {
        let reads = Mutex(0)

        func storage(_ layout: FileLayout, _ root: String, _ prepare: Bool) throws -> any TorrentStorage {
            CountingStorage(inner: try SessionConfiguration.fileStorage(layout, root, prepare), counter: self)
        }
    }

    struct CountingStorage: TorrentStorage {
        let inner: any TorrentStorage
        let counter: ReadCounter
        var layout: FileLayout { inner.layout }

        func read(piece: Int, offset: Int, into buffer: UnsafeMutableRawBufferPointer) throws(StorageError) {
            counter.reads.withLock { $0 += 1 }
            try inner.read(piece: piece, offset: offset, into: buffer)
        }

        func write(piece: Int, offset: Int, from buffer: UnsafeRawBufferPointer) throws(StorageError) {
            try inner.write(piece: piece, offset: offset, from: buffer)
        }

        func synchronize() throws(StorageError) { try inner.synchronize() }
    }

    func session(state: String, counter: ReadCounter) async throws -> Session {
        try await SwarmFixture.session(resumeFolder: state) { configuration in
            configuration.persistTorrents = true
            configuration.maxActiveSeeds = 10
            configuration.makeStorage = { try counter.storage($0, $1, $2) }
        }
    }

    /// Waits (bounded) until `count` torrents are listed and none is being checked.
    func settled(_ engine: Session, _ what: String) async throws -> [TorrentSnapshot] {
        let settled = await engine.waitForSnapshot(timeout: .seconds(150)) { snapshot in
            snapshot.torrents.count == Self.count
                && !snapshot.torrents.contains { if case .checking = $0.phase { true } else { false } }
        }
        guard let settled else { throw TimedOut(description: "\(what): \(Self.count) torrents did not settle") }
        return settled.torrents
    }

    @Test func twoThousandTorrentsComeBackCompleteWithoutReadingTheirData() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let data = dir.file("data")
        let state = dir.file("state")
        var torrents: [Metainfo] = []
        for index in 0..<Self.count {
            let path = try dir.write("data/file-\(index).bin", pseudoRandomBytes(count: 1_000 + index, seed: UInt64(index)))
            var options = TorrentCreator.Options()
            options.pieceLength = 16 * 1024
            torrents.append(try Metainfo(bytes: TorrentCreator.create(from: path, options: options)))
        }

        let first = try await session(state: state, counter: ReadCounter())
        for torrent in torrents {
            first.perform(.add(.torrentData(torrent.torrentBytes()), directory: data))
        }
        let added = try await settled(first, "adding")
        #expect(added.allSatisfy { $0.progress == 1 }, "every file was checked complete when added")
        await first.shutdown()

        // Same size, same modification time, other bytes: a rehash would find every piece bad.
        for index in 0..<Self.count {
            let path = dir.file("data/file-\(index).bin")
            var status = stat()
            #expect(stat(path, &status) == 0)
            try Data(repeating: 0xA5, count: Int(status.st_size)).write(to: URL(fileURLWithPath: path))
            let times = [status.st_atim, status.st_mtim]
            #expect(utimensat(AT_FDCWD, path, times, 0) == 0)
        }

        let counter = ReadCounter()
        let restarted = try await session(state: state, counter: counter)
        #expect(await restarted.restoreSavedTorrents().isEmpty)
        let rows = try await settled(restarted, "restoring").sorted { $0.queuePosition < $1.queuePosition }
        #expect(rows.map(\.id) == torrents.map { TorrentID(hex: $0.infoHash.hex) }, "in the saved queue order")
        #expect(rows.allSatisfy { $0.progress == 1 && $0.piecesHave == $0.pieceCount },
                "saved progress comes back from resume data, not from the (changed) files")
        #expect(rows.count { $0.phase == .seeding } == 10, "the seed limit holds; the rest wait")
        #expect(rows.count { $0.phase == .queued } == Self.count - 10)
        #expect(counter.reads.withLock { $0 } == 0, "no torrent's data was read")
        await restarted.shutdown()
    }
}
