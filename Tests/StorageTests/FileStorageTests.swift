import Dispatch
import Foundation
import Storage
import TestSupport
import Testing
import TorrentCore

@Suite struct FileStorageTests {
    /// Piece 0 spans a, b and c with the empty file between a and b; piece 1 ends in padding.
    static let files = [
        FixtureFile("a", 10),
        FixtureFile("x/y/empty", 0),
        FixtureFile("x/b", 5),
        FixtureFile("c", 9),
        FixtureFile(".pad/8", 8),
        FixtureFile("d", 20),
    ]

    @Test func prepareCreatesNestedFoldersAndEmptyFilesButNoPadding() throws {
        let fixture = try Fixture(Self.files, pieceLength: 16, writeFiles: false)
        defer { fixture.remove() }
        let storage = try FileStorage(root: fixture.root, layout: fixture.info.layout, mode: .readWrite)
        try storage.prepare()

        #expect(isFolder(fixture.path("x/y")))
        #expect(fileSize(fixture.path("x/y/empty")) == 0)
        #expect(fileSize(fixture.path("a")) == 10)
        #expect(fileSize(fixture.path("x/b")) == 5)
        #expect(fileSize(fixture.path("c")) == 9)
        #expect(fileSize(fixture.path("d")) == 20)
        #expect(!fileExists(fixture.path(".pad")))
        // Unwritten data reads as zeros.
        #expect(try storage.readPiece(2) == [UInt8](repeating: 0, count: 16))
    }

    @Test func writesAndReadsBackAcrossFileBoundaries() throws {
        let fixture = try Fixture(Self.files, pieceLength: 16, writeFiles: false)
        defer { fixture.remove() }
        let storage = try FileStorage(root: fixture.root, layout: fixture.info.layout, mode: .readWrite)
        try storage.prepare()
        for piece in 0..<fixture.info.pieceCount {
            try storage.write(piece: piece, offset: 0, bytes: fixture.piece(piece))
        }

        // Piece 0 is a (10 bytes) + b (5) + the first byte of c, skipping the empty file.
        #expect(fixture.info.layout.spans(piece: 0, offset: 0, length: 16).map(\.fileIndex) == [0, 2, 3])
        #expect(try storage.readPiece(0) == fixture.piece(0))
        #expect(try storage.read(piece: 0, offset: 8, length: 8) == Array(fixture.stream[8..<16]))
        for piece in 0..<fixture.info.pieceCount {
            #expect(try storage.readPiece(piece) == fixture.piece(piece))
        }
        #expect(try contents(fixture.path("a")) == Array(fixture.stream[0..<10]))
        #expect(try contents(fixture.path("x/b")) == Array(fixture.stream[10..<15]))
        #expect(try contents(fixture.path("c")) == Array(fixture.stream[15..<24]))
        #expect(try contents(fixture.path("d")) == Array(fixture.stream[32..<52]))
    }

    @Test func paddingReadsAsZerosAndWritesToItAreDropped() throws {
        let fixture = try Fixture(Self.files, pieceLength: 16, writeFiles: false)
        defer { fixture.remove() }
        let storage = try FileStorage(root: fixture.root, layout: fixture.info.layout, mode: .readWrite)
        try storage.prepare()
        try storage.write(piece: 1, offset: 0, bytes: [UInt8](repeating: 0xAB, count: 16))

        #expect(try storage.readPiece(1) == [UInt8](repeating: 0xAB, count: 8) + [UInt8](repeating: 0, count: 8))
        #expect(try contents(fixture.path("c")) == [0] + [UInt8](repeating: 0xAB, count: 8))
        #expect(!fileExists(fixture.path(".pad")))
    }

    @Test func writingWithoutPrepareCreatesTheFileAtFullSize() throws {
        let fixture = try Fixture(Self.files, pieceLength: 16, writeFiles: false)
        defer { fixture.remove() }
        let storage = try FileStorage(root: fixture.root, layout: fixture.info.layout, mode: .readWrite)
        try storage.write(piece: 2, offset: 4, bytes: [1, 2, 3])

        #expect(fileSize(fixture.path("d")) == 20)
        #expect(try contents(fixture.path("d"))[0..<8] == [0, 0, 0, 0, 1, 2, 3, 0])
        #expect(!fileExists(fixture.path("a")))
    }

    @Test func createsLargeFilesSparsely() throws {
        let folder = try TemporaryDirectory("rill-storage")
        defer { folder.remove() }
        let layout = FileLayout(files: [TorrentFile(path: ["t", "big"], length: 256 << 20, offset: 0),
                                        TorrentFile(path: ["t", "small"], length: 3, offset: 256 << 20)],
                                pieceLength: 1 << 20)
        let storage = try FileStorage(root: folder.path, layout: layout, mode: .readWrite)
        try storage.prepare()
        try storage.write(piece: 100, offset: 0, bytes: [UInt8](repeating: 1, count: 4096))

        let status = try #require(fileStatus(folder.file("t/big")))
        #expect(status.st_size == 256 << 20)
        #expect(status.st_blocks * 512 < 1 << 20, "a sparse file allocates next to nothing")
        #expect(fileSize(folder.file("t/small")) == 3)
    }

    @Test func readOnlyStorageReportsMissingFilesAndRefusesWrites() throws {
        let fixture = try Fixture(Self.files, pieceLength: 16)
        defer { fixture.remove() }
        try FileManager.default.removeItem(atPath: fixture.path("d"))
        let storage = try FileStorage(root: fixture.root, layout: fixture.info.layout, mode: .readOnly)

        #expect(try storage.readPiece(0) == fixture.piece(0))
        #expect(throws: StorageError.fileMissing(path: fixture.path("d"))) { try storage.readPiece(2) }
        #expect(throws: StorageError.readOnly(path: fixture.path("a"))) {
            try storage.write(piece: 0, offset: 0, bytes: [1])
        }
        #expect(throws: StorageError.self) { try storage.prepare() }
        #expect(!fileExists(fixture.path("d")))
    }

    @Test func shortFileIsReportedAsEndingEarly() throws {
        let fixture = try Fixture(Self.files, pieceLength: 16)
        defer { fixture.remove() }
        #expect(truncate(fixture.path("d"), 10) == 0)
        let storage = try FileStorage(root: fixture.root, layout: fixture.info.layout, mode: .readOnly)

        #expect(throws: StorageError.unexpectedEndOfFile(path: fixture.path("d"))) { try storage.readPiece(2) }
        #expect(try storage.read(piece: 2, offset: 0, length: 10) == Array(fixture.piece(2)[0..<10]))
    }

    @Test func writeBelowARegularFileFailsWithAClearError() throws {
        let folder = try TemporaryDirectory("rill-storage")
        defer { folder.remove() }
        let blocker = try folder.write("blocker", [1, 2, 3])
        let layout = FileLayout(files: [TorrentFile(path: ["t", "a"], length: 4, offset: 0)], pieceLength: 16)
        let storage = try FileStorage(root: blocker + "/downloads", layout: layout, mode: .readWrite)

        let error = try #require(throws: StorageError.self) { try storage.write(piece: 0, offset: 0, bytes: [1, 2, 3, 4]) }
        #expect(error == .io(.createFolder, path: blocker + "/downloads", .notDirectory))
        #expect(error.description == "cannot create the folder '\(blocker)/downloads': Not a directory")
        #expect(try contents(blocker) == [1, 2, 3])
    }

    @Test func refusesPathsThatLeaveTheDownloadFolder() throws {
        for bad in [["t", "..", "evil"], ["t", ""], ["t", "a/b"], [".", "x"], []] {
            let layout = FileLayout(files: [TorrentFile(path: bad, length: 4, offset: 0)], pieceLength: 16)
            #expect(throws: StorageError.unsafePath(bad.joined(separator: "/"))) {
                try FileStorage(root: "/tmp/rill-never", layout: layout, mode: .readWrite)
            }
        }
        // Padding paths are never used, so they are not checked.
        let padding = FileLayout(files: [TorrentFile(path: ["t", "a"], length: 4, offset: 0),
                                         TorrentFile(path: [".."], length: 4, offset: 4, isPadding: true)],
                                 pieceLength: 16)
        #expect(throws: Never.self) { try FileStorage(root: "/tmp/rill-never", layout: padding, mode: .readOnly) }
    }

    @Test func rejectsRangesOutsideThePiece() throws {
        let fixture = try Fixture(Self.files, pieceLength: 16)
        defer { fixture.remove() }
        let storage = try FileStorage(root: fixture.root, layout: fixture.info.layout, mode: .readOnly)

        #expect(throws: StorageError.outOfRange(piece: 3, offset: 2, length: 3)) {
            try storage.read(piece: 3, offset: 2, length: 3)  // the last piece has 4 bytes
        }
        #expect(throws: StorageError.outOfRange(piece: 4, offset: 0, length: 0)) { try storage.readPiece(4) }
        #expect(throws: StorageError.outOfRange(piece: -1, offset: 0, length: 1)) {
            try storage.read(piece: -1, offset: 0, length: 1)
        }
    }

    @Test func concurrentWritesWithFewDescriptorsLandIntact() throws {
        let files = (0..<24).map { FixtureFile("f\($0)", 1000 + $0 * 37) }
        let fixture = try Fixture(files, pieceLength: 512, writeFiles: false)
        defer { fixture.remove() }
        let storage = try FileStorage(root: fixture.root, layout: fixture.info.layout, mode: .readWrite, maxOpenFiles: 3)
        let pieceCount = fixture.info.pieceCount
        let failures = Counter()

        DispatchQueue.concurrentPerform(iterations: 4) { worker in
            for piece in stride(from: worker, to: pieceCount, by: 4) {
                do { try storage.write(piece: piece, offset: 0, bytes: fixture.piece(piece)) } catch { failures.add() }
            }
        }

        #expect(failures.value == 0)
        #expect(storage.openFileCount <= 3)
        for piece in 0..<pieceCount {
            #expect(try storage.readPiece(piece) == fixture.piece(piece))
        }
        storage.close()
        #expect(storage.openFileCount == 0)
        #expect(try storage.readPiece(0) == fixture.piece(0))
    }
}

/// A thread-safe count for tests.
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    func add() { lock.withLock { count += 1 } }
    var value: Int { lock.withLock { count } }
}
