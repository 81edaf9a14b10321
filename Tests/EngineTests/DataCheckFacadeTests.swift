import Engine
import EngineAPI
import Foundation
import Glibc
import Testing
import TestSupport
import TorrentCore

/// Checking data through the facade, the way `rill check` does: what the detail reports, when
/// resume data is trusted or hashed past, and that a read-only check leaves the folder alone.
@Suite(.timeLimit(.minutes(2))) struct DataCheckFacadeTests {
    /// Adds the torrent paused to a session on `resume`, waits for its check, and returns the
    /// detail (piece map and check) and the session's events.
    func check(_ meta: Metainfo, in folder: String, resume: String?, trustResumeData: Bool,
               readOnly: Bool = true) async throws -> (TorrentDetail, [EngineEvent]) {
        let session = try await SwarmFixture.session(resumeFolder: resume) { configuration in
            if readOnly { configuration.makeStorage = SessionConfiguration.readOnlyFileStorage }
            configuration.checkThreads = 2
        }
        var options = AddOptions(seedWhenComplete: false, startPaused: true)
        options.trustResumeData = trustResumeData
        try await session.add(meta, downloadDirectory: folder, options: options)
        let id = TorrentID(hex: meta.infoHash.hex)
        let detail = try #require(await session.details(for: [id]).first)
        let events = session.drainEvents()
        await session.shutdown()
        return (detail, events)
    }

    /// The pieces the piece map shows as verified.
    func verifiedPieces(_ detail: TorrentDetail) -> [Int] {
        detail.pieces.states.indices.filter { detail.pieces.states[$0] == PieceMap.State.have.rawValue }
    }

    /// Flips one byte in place and puts the file's modification time back to the nanosecond, so
    /// only hashing can tell.
    func corruptKeepingTheTimestamp(_ path: String, at offset: Int) throws {
        var before = stat()
        try #require(stat(path, &before) == 0)
        let handle = try #require(FileHandle(forUpdatingAtPath: path))
        try handle.seek(toOffset: UInt64(offset))
        let byte = try #require(try handle.read(upToCount: 1)?.first)
        try handle.seek(toOffset: UInt64(offset))
        try handle.write(contentsOf: [byte ^ 0xFF])
        try handle.close()
        var times = [before.st_atim, before.st_mtim]
        try #require(utimensat(AT_FDCWD, path, &times, 0) == 0)
    }

    @Test func hashingPastResumeDataFindsDamageThatTrustedResumeDataHidesAndSavesWhatItFound() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let meta = try SwarmFixture.makeTorrent(in: dir, name: "chk", files: [("a.bin", 200_000), ("b.bin", 150_000)],
                                                pieceLength: 32 * 1024)
        let resume = dir.file("resume")
        let all = Array(0..<meta.info.pieceCount)

        let (first, _) = try await check(meta, in: dir.file("seed"), resume: resume, trustResumeData: false)
        #expect(first.dataCheck == DataCheck(validPieces: all.count, pieceCount: all.count, source: .hashed))
        #expect(verifiedPieces(first) == all)

        // Byte 210,000 lies in piece 6 (b.bin starts at 200,000).
        try corruptKeepingTheTimestamp(dir.file("seed/chk/b.bin"), at: 10_000)
        let (trusted, _) = try await check(meta, in: dir.file("seed"), resume: resume, trustResumeData: true)
        #expect(trusted.dataCheck?.source == .resumeData, "unchanged size and time: the saved answer stands")
        #expect(verifiedPieces(trusted) == all)

        let (hashed, _) = try await check(meta, in: dir.file("seed"), resume: resume, trustResumeData: false)
        #expect(hashed.dataCheck == DataCheck(validPieces: all.count - 1, pieceCount: all.count, source: .hashed))
        #expect(verifiedPieces(hashed) == all.filter { $0 != 6 })

        let (again, _) = try await check(meta, in: dir.file("seed"), resume: resume, trustResumeData: true)
        #expect(again.dataCheck == DataCheck(validPieces: all.count - 1, pieceCount: all.count, source: .resumeData),
                "the hashing saved what it found")
    }

    @Test func aReadOnlyCheckOfAPartialDownloadCreatesAndChangesNoFile() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let meta = try SwarmFixture.makeTorrent(in: dir, name: "part", files: [("a.bin", 100_000), ("b.bin", 100_000)],
                                                pieceLength: 32 * 1024)
        try FileManager.default.removeItem(atPath: dir.file("seed/part/b.bin"))
        let before = try FileManager.default.attributesOfItem(atPath: dir.file("seed/part/a.bin"))

        let (detail, _) = try await check(meta, in: dir.file("seed"), resume: nil, trustResumeData: false)
        // a.bin is pieces 0–3 (piece 3 also holds b.bin's first bytes, so it cannot verify).
        #expect(verifiedPieces(detail) == [0, 1, 2])
        #expect(detail.dataCheck == DataCheck(validPieces: 3, pieceCount: meta.info.pieceCount, source: .hashed))
        #expect(!FileManager.default.fileExists(atPath: dir.file("seed/part/b.bin")), "no missing file is created")
        let after = try FileManager.default.attributesOfItem(atPath: dir.file("seed/part/a.bin"))
        #expect(after[.size] as? Int == 100_000)
        #expect(after[.modificationDate] as? Date == before[.modificationDate] as? Date)

        // The download's own storage does create what it will write (the contrast that makes the
        // read-only factory matter).
        _ = try await check(meta, in: dir.file("seed"), resume: nil, trustResumeData: false, readOnly: false)
        #expect(FileManager.default.fileExists(atPath: dir.file("seed/part/b.bin")))
    }

    @Test func aRecheckReportsWhatItFound() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let meta = try SwarmFixture.makeTorrent(in: dir, name: "re", files: [("a.bin", 128 * 1024)], pieceLength: 32 * 1024)
        let session = try await SwarmFixture.session()
        try await session.add(meta, downloadDirectory: dir.file("seed"), options: AddOptions(startPaused: true))
        let id = TorrentID(hex: meta.infoHash.hex)
        #expect(await session.details(for: [id]).first?.dataCheck?.validPieces == 4)

        try corruptKeepingTheTimestamp(dir.file("seed/re/a.bin"), at: 40_000)  // piece 1
        session.perform(.recheck(id))
        let row = await session.wait(for: id, timeout: .seconds(30)) { $0?.piecesHave == 3 }
        #expect(row?.piecesHave == 3)
        let detail = try #require(await session.details(for: [id]).first)
        #expect(detail.dataCheck == DataCheck(validPieces: 3, pieceCount: 4, source: .hashed))
        await session.shutdown()
    }
}
