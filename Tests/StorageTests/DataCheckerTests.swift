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
