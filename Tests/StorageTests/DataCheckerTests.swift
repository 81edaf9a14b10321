import Foundation
import Storage
import TestSupport
import Testing
import TorrentCore

@Suite struct DataCheckerTests {
    @Test func hashesFirstThenTrustsResumeDataUntilAFileChanges() throws {
        let fixture = try Fixture([FixtureFile("a", 4000), FixtureFile("b", 3000)], pieceLength: 1024)
        defer { fixture.remove() }
        setModificationTime(fixture.path("a"), seconds: 1_600_000_000)
        try patch(fixture.path("b"), at: 0, [fixture.stream[4000] ^ 1])  // piece 3 (bytes 3072..<4096)
        setModificationTime(fixture.path("b"), seconds: 1_600_000_000)
        let store = ResumeStore(folder: fixture.folder.file("resume"))

        let first = try DataChecker.check(info: fixture.info, root: fixture.root, resume: store)
        #expect(!first.fromResume && first.resumeRejection == nil && first.resumeSaveError == nil)
        #expect((0..<7).filter { !first.verified[$0] } == [3])

        let second = try DataChecker.check(info: fixture.info, root: fixture.root, resume: store)
        #expect(second.fromResume)
        #expect(second.verified == first.verified)

        try patch(fixture.path("b"), at: 0, [fixture.stream[4000]])  // repaired: mtime is now
        let third = try DataChecker.check(info: fixture.info, root: fixture.root, resume: store)
        #expect(!third.fromResume)
        #expect(third.resumeRejection == "'t/b' was modified")
        #expect(third.verified.isComplete)
    }

    @Test func aShortFileKeepsItsWholePiecesAndAMissingFileHasNone() throws {
        // Pieces of 1024: a 0..<4000, b 4000..<7000, c 7000..<9000.
        let fixture = try Fixture([FixtureFile("a", 4000), FixtureFile("b", 3000), FixtureFile("c", 2000)],
                                  pieceLength: 1024)
        defer { fixture.remove() }
        try FileManager.default.removeItem(atPath: fixture.path("a"))
        // b stops after 2200 of its 3000 bytes (stream 6200): pieces 4 and 5 lie inside that.
        let short = FileHandle(forWritingAtPath: fixture.path("b"))!
        try short.truncate(atOffset: 2200)
        try short.close()
        let result = try DataChecker.check(info: fixture.info, root: fixture.root, resume: nil, threads: 2)
        #expect((0..<9).filter { result.verified[$0] } == [4, 5, 7, 8])
    }

    @Test func checksWithoutAResumeStore() throws {
        let fixture = try Fixture([FixtureFile("a", 4000)], pieceLength: 1024)
        defer { fixture.remove() }
        let result = try DataChecker.check(info: fixture.info, root: fixture.root, resume: nil, threads: 1)
        #expect(result.verified.isComplete && !result.fromResume)
    }

    @Test func stillAnswersWhenResumeDataCannotBeSaved() throws {
        let fixture = try Fixture([FixtureFile("a", 4000)], pieceLength: 1024)
        defer { fixture.remove() }
        let store = ResumeStore(folder: fixture.path("a") + "/resume")
        let result = try DataChecker.check(info: fixture.info, root: fixture.root, resume: store)
        #expect(result.verified.isComplete)
        #expect(result.resumeSaveError == .io(.createFolder, path: fixture.path("a") + "/resume", .notDirectory))
    }
}
