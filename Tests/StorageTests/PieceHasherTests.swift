import Foundation
import Storage
import TestSupport
import Testing
import TorrentCore

@Suite struct PieceHasherTests {
    @Test func hashesAKnownAnswer() {
        let digest = Array("abc".utf8).withUnsafeBytes { PieceHasher.sha1($0) }
        #expect(Hex.encode(digest) == "a9993e364706816aba3e25717850c26c9cd0d89d")
    }

    @Test(arguments: [1, 2, 5])
    func digestsMatchAPlainSHA1OfEachPiece(threads: Int) throws {
        let fixture = try Fixture([FixtureFile("a", 300_001), FixtureFile("b", 0), FixtureFile("c/d", 777_777)],
                                  pieceLength: 16 * 1024, writeFiles: false)
        defer { fixture.remove() }
        let storage = MemoryStorage(layout: fixture.info.layout, contents: fixture.stream)

        let digests = try PieceHasher.hashPieces(storage: storage, threads: threads)

        #expect(digests.count == fixture.info.pieceCount * 20)
        #expect(digests == referenceHashes(fixture.stream, pieceLength: 16 * 1024))
        #expect(digests == fixture.info.pieceHashes)
    }

    @Test func verifyFindsExactlyTheCorruptedPieces() throws {
        let fixture = try Fixture([FixtureFile("a", 5000), FixtureFile("b", 3000), FixtureFile("c", 4100)],
                                  pieceLength: 1024)
        defer { fixture.remove() }
        // Flip one byte each in piece 0 (in a), piece 5 (in b) and the last piece, 11 (the end of c).
        try patch(fixture.path("a"), at: 10, [fixture.stream[10] ^ 0xFF])
        try patch(fixture.path("b"), at: 200, [fixture.stream[5200] ^ 0x01])  // stream 5200 → piece 5
        try patch(fixture.path("c"), at: 4099, [fixture.stream[12099] ^ 0x80])  // last byte → piece 11
        let storage = try FileStorage(root: fixture.root, layout: fixture.info.layout, mode: .readOnly)

        let valid = try PieceHasher.verify(info: fixture.info, storage: storage, threads: 2)

        #expect(valid.count == 12)
        #expect((0..<12).filter { !valid[$0] } == [0, 5, 11])
    }

    @Test func missingOrShortFilesMakeTheirPiecesInvalidWithoutThrowing() throws {
        let fixture = try Fixture([FixtureFile("a", 2048), FixtureFile("sub/b", 2048), FixtureFile("c", 2048)],
                                  pieceLength: 1024)
        defer { fixture.remove() }
        try FileManager.default.removeItem(atPath: fixture.folder.file("t/sub"))
        #expect(truncate(fixture.path("c"), 1500) == 0)
        let storage = try FileStorage(root: fixture.root, layout: fixture.info.layout, mode: .readOnly)

        let valid = try PieceHasher.verify(info: fixture.info, storage: storage)

        #expect(valid.setIndices == [0, 1, 4])
        #expect(throws: StorageError.fileMissing(path: fixture.path("sub/b"))) {
            try PieceHasher.hashPieces(storage: storage)
        }
    }

    @Test func reportsProgressAtABoundedRateEndingAtTheTotal() throws {
        let stream = pseudoRandomBytes(count: 5000 * 64, seed: 3)
        let layout = FileLayout(files: [TorrentFile(path: ["t"], length: stream.count, offset: 0)], pieceLength: 64)
        let storage = MemoryStorage(layout: layout, contents: stream)
        let reports = Reports()

        _ = try PieceHasher.hashPieces(storage: storage, threads: 2) { done, total in reports.add(done, total) }

        let seen = reports.all
        #expect(seen.count >= 50 && seen.count <= 102, "got \(seen.count) reports")
        #expect(seen.map(\.done) == seen.map(\.done).sorted())
        #expect(seen.allSatisfy { $0.total == 5000 })
        #expect(seen.last?.done == 5000)
    }

    @Test func verifyOfAnEmptyStorageFindsNothing() throws {
        let fixture = try Fixture([FixtureFile("a", 5000)], pieceLength: 1024, writeFiles: false)
        defer { fixture.remove() }
        let valid = try PieceHasher.verify(info: fixture.info, storage: MemoryStorage(layout: fixture.info.layout))
        #expect(valid.isEmpty && valid.count == 5)
    }
}

/// Progress calls collected from worker threads.
final class Reports: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [(done: Int, total: Int)] = []
    func add(_ done: Int, _ total: Int) { lock.withLock { items.append((done, total)) } }
    var all: [(done: Int, total: Int)] { lock.withLock { items } }
}
