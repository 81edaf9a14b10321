import Foundation
import Storage
import TestSupport
import Testing
import TorrentCore

#if canImport(Glibc)
import Glibc
#endif

/// Writes with O_DIRECT: the aligned interior of each file span bypasses the page cache, heads and
/// tails go buffered, and a file system that refuses direct I/O is written buffered instead.
@Suite struct DirectWriteTests {
    /// 64 KiB pieces over files whose sizes are off the 4 KiB grid: pieces straddle files, and most
    /// spans have a head or tail that cannot go direct; the run written at once reaches past
    /// `directMinimum` in d and e, so their interiors go direct.
    static let files = [
        FixtureFile("a", 10_000),
        FixtureFile("sub/b", 70_001),
        FixtureFile("c", 5),
        FixtureFile("d", 700_000),
        FixtureFile("e", 524_288),
    ]
    static let pieceLength = 64 << 10

    @Test func piecesStraddlingFilesLandByteExactThroughDirectWrites() throws {
        let fixture = try Fixture(Self.files, pieceLength: Self.pieceLength, writeFiles: false)
        defer { fixture.remove() }
        let storage = try FileStorage(root: fixture.root, layout: fixture.info.layout, mode: .readWrite)
        try storage.prepare()
        try writeEveryPiece(of: fixture, to: storage)

        for piece in 0..<fixture.info.pieceCount {
            #expect(try storage.readPiece(piece) == fixture.piece(piece), "piece \(piece)")
        }
        try expectFilesMatch(fixture, below: fixture.root)
        if fileSystemType(of: fixture.root) == "tmpfs" {
            print("DirectWriteTests: \(fixture.root) is on tmpfs, which refuses O_DIRECT; only the buffered path ran")
        } else {
            for index in fixture.info.files.indices {
                #expect(storage.writesDirectly(toFile: index), "file \(index) fell back to buffered writes")
            }
        }
    }

    /// tmpfs refused O_DIRECT before Linux 6.6 and takes it since; either way the data lands, and
    /// the storage goes direct exactly when the file system lets a plain open(O_DIRECT) through.
    @Test func aFileSystemThatMayRefuseDirectWritesGetsEveryByte() throws {
        guard fileSystemType(of: "/dev/shm") == "tmpfs" else {
            print("DirectWriteTests: skipped, /dev/shm is not a tmpfs here")
            return
        }
        let fixture = try Fixture(Self.files, pieceLength: Self.pieceLength, writeFiles: false)
        defer { fixture.remove() }
        let root = "/dev/shm/rill-direct-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        let accepts = try opensWithDirectIO(inFolder: root)
        print("DirectWriteTests: tmpfs \(accepts ? "takes" : "refuses") O_DIRECT here")
        let storage = try FileStorage(root: root, layout: fixture.info.layout, mode: .readWrite)
        try writeEveryPiece(of: fixture, to: storage)

        for index in fixture.info.files.indices {
            #expect(storage.writesDirectly(toFile: index) == accepts, "file \(index)")
        }
        try expectFilesMatch(fixture, below: root)
        // Later writes take the path chosen once and still land.
        try storage.write(piece: 1, offset: 0, bytes: fixture.piece(1))
        #expect(try storage.readPiece(1) == fixture.piece(1))
    }

    @Test func directWritesOffWriteThroughThePageCache() throws {
        let fixture = try Fixture(Self.files, pieceLength: Self.pieceLength, writeFiles: false)
        defer { fixture.remove() }
        let storage = try FileStorage(root: fixture.root, layout: fixture.info.layout, mode: .readWrite,
                                      directWrites: false)
        try writeEveryPiece(of: fixture, to: storage)
        #expect(!storage.writesDirectly(toFile: 0))
        try expectFilesMatch(fixture, below: fixture.root)
    }

    @Test func aRunOfPiecesWithAWrongSizeIsRefused() throws {
        let fixture = try Fixture(Self.files, pieceLength: Self.pieceLength, writeFiles: false)
        defer { fixture.remove() }
        let storage = try FileStorage(root: fixture.root, layout: fixture.info.layout, mode: .readWrite)
        let short = [UInt8](repeating: 7, count: 100)
        #expect(throws: StorageError.self) {
            try short.withUnsafeBytes { try storage.write(pieces: 0, [$0]) }
        }
    }

    /// Piece 0 alone, piece 1 as blocks at odd offsets, the rest as one run of consecutive pieces.
    private func writeEveryPiece(of fixture: Fixture, to storage: FileStorage) throws {
        try storage.write(piece: 0, offset: 0, bytes: fixture.piece(0))
        let second = fixture.piece(1)
        for start in stride(from: 0, to: second.count, by: 12_345) {
            try storage.write(piece: 1, offset: start, bytes: second[start..<min(second.count, start + 12_345)])
        }
        let layout = fixture.info.layout
        let rest = [UInt8](fixture.stream[(2 * layout.pieceLength)..<fixture.stream.count])
        try rest.withUnsafeBytes { bytes in
            let buffers = (2..<layout.pieceCount).map { piece in
                let start = (piece - 2) * layout.pieceLength
                return UnsafeRawBufferPointer(rebasing: bytes[start..<start + layout.size(ofPiece: piece)])
            }
            try storage.write(pieces: 2, buffers)
        }
    }

    private func expectFilesMatch(_ fixture: Fixture, below root: String) throws {
        for file in fixture.info.files {
            let path = ([root] + file.path).joined(separator: "/")
            #expect(try contents(path) == Array(fixture.stream[file.offset..<file.offset + file.length]), "\(path)")
        }
    }
}

/// Whether a file in `folder` opens with O_DIRECT (the flag's value written out per architecture,
/// independently of the storage's own shim).
func opensWithDirectIO(inFolder folder: String) throws -> Bool {
    #if arch(x86_64)
    let direct: Int32 = 0o40000
    #elseif arch(arm64)
    let direct: Int32 = 0o200000
    #else
    let direct: Int32 = 0
    #endif
    let path = folder + "/probe"
    defer { unlink(path) }
    let descriptor = open(path, O_CREAT | O_WRONLY | direct, 0o600)
    guard descriptor >= 0 else {
        if errno == EINVAL { return false }
        throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)
    }
    close(descriptor)
    return direct != 0
}
