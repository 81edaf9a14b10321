import Foundation
import Testing
import TestSupport
import TorrentCore
@testable import Storage

/// Moving a torrent's files: renames on one file system, verified copies across two, and never a
/// lost file when something fails half-way.
@Suite struct DataMoverTests {
    /// Files t/a (5 KiB), t/sub/b (3 KiB), t/sub/c (1 byte) written under `root`.
    static func layout(writingUnder root: TemporaryDirectory, _ folder: String) throws -> FileLayout {
        let sizes = [("a", 5120), ("sub/b", 3072), ("sub/c", 1)]
        var files: [TorrentFile] = []
        var offset = 0
        for (index, (path, size)) in sizes.enumerated() {
            _ = try root.write("\(folder)/t/\(path)", pseudoRandomBytes(count: size, seed: UInt64(index + 1)))
            files.append(TorrentFile(path: ["t"] + path.split(separator: "/").map(String.init), length: size,
                                     offset: offset))
            offset += size
        }
        return FileLayout(files: files, pieceLength: 4096)
    }

    static func contents(_ path: String) -> Data? { FileManager.default.contents(atPath: path) }

    @Test func movesEveryFileAndReportsProgressUpToTheTotal() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let layout = try Self.layout(writingUnder: dir, "old")
        let before = Self.contents(dir.file("old/t/sub/b"))
        let seen = Locked<[Int64]>([])
        try DataMover.move(layout, from: dir.file("old"), to: dir.file("new/deeper")) { done, total in
            #expect(total == 8193)
            seen.withLock { $0.append(done) }
        }
        #expect(seen.withLock { $0 } == [5120, 8192, 8193])
        #expect(Self.contents(dir.file("new/deeper/t/sub/b")) == before)
        #expect(Self.contents(dir.file("new/deeper/t/sub/c"))?.count == 1)
        #expect(!FileManager.default.fileExists(atPath: dir.file("old/t")), "emptied folders are removed")
        #expect(FileManager.default.fileExists(atPath: dir.file("old")), "the download folder itself stays")
    }

    @Test func copiesAcrossFileSystemsAndDeletesTheOriginalsOnlyAfterwards() throws {
        guard FileManager.default.isWritableFile(atPath: "/dev/shm") else {
            print("skipped: /dev/shm (a second file system) is not writable here")
            return
        }
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let other = "/dev/shm/rill-move-\(UInt64.random(in: 0..<UInt64.max))"
        defer { try? FileManager.default.removeItem(atPath: other) }
        let layout = try Self.layout(writingUnder: dir, "old")
        let before = Self.contents(dir.file("old/t/a"))
        try DataMover.move(layout, from: dir.file("old"), to: other)
        #expect(Self.contents(other + "/t/a") == before)
        #expect(Self.contents(other + "/t/sub/c")?.count == 1)
        #expect(!FileManager.default.fileExists(atPath: dir.file("old/t/a")))
    }

    @Test func aFailureHalfWayPutsTheMovedFilesBack() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let layout = try Self.layout(writingUnder: dir, "old")
        let before = try ["a", "sub/b", "sub/c"].map { try #require(Self.contents(dir.file("old/t/\($0)"))) }
        _ = try dir.write("new/t/sub", Array("a file where a folder must go".utf8))
        #expect {
            try DataMover.move(layout, from: dir.file("old"), to: dir.file("new"))
        } throws: { error in
            guard let failure = error as? DataMover.Failure else { return false }
            return failure.strandedInTarget.isEmpty && "\(failure)".contains("every file is still in the old folder")
        }
        let after = ["a", "sub/b", "sub/c"].map { Self.contents(dir.file("old/t/\($0)")) }
        #expect(after == before, "every file is complete where it was")
        #expect(!FileManager.default.fileExists(atPath: dir.file("new/t/a")), "a was moved back")
    }

    @Test func neverOverwritesAFileAtTheDestination() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let layout = try Self.layout(writingUnder: dir, "old")
        _ = try dir.write("new/t/sub/c", Array("keep me".utf8))
        #expect(throws: DataMover.Failure.self) {
            try DataMover.move(layout, from: dir.file("old"), to: dir.file("new"))
        }
        #expect(Self.contents(dir.file("new/t/sub/c")) == Data("keep me".utf8))
        #expect(Self.contents(dir.file("old/t/a"))?.count == 5120)
        #expect(!FileManager.default.fileExists(atPath: dir.file("new/t/a")), "nothing moved")
    }

    @Test func filesNotOnDiskYetAreSkipped() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let layout = try Self.layout(writingUnder: dir, "old")
        try FileManager.default.removeItem(atPath: dir.file("old/t/sub/b"))
        try DataMover.move(layout, from: dir.file("old"), to: dir.file("new"))
        #expect(Self.contents(dir.file("new/t/a"))?.count == 5120)
        #expect(!FileManager.default.fileExists(atPath: dir.file("new/t/sub/b")))
    }
}
