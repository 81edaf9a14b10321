import Foundation
import Storage
import TestSupport
import Testing
import TorrentCore

@Suite struct ResumeStoreTests {
    static let files = [FixtureFile("a", 3000), FixtureFile("sub/b", 2000), FixtureFile("empty", 0)]

    /// A fixture whose files carry a fixed old modification time, and a resume store saved for it.
    func savedFixture() throws -> (Fixture, ResumeStore, Bitfield) {
        let fixture = try Fixture(Self.files, pieceLength: 1024)
        for name in ["a", "sub/b", "empty"] {
            setModificationTime(fixture.path(name), seconds: 1_600_000_000, nanoseconds: 5)
        }
        let store = ResumeStore(folder: fixture.folder.file("resume"))
        var verified = Bitfield(count: fixture.info.pieceCount)
        for piece in [0, 2, 4] { verified[piece] = true }
        try store.save(verified, for: fixture.info, downloadRoot: fixture.root)
        return (fixture, store, verified)
    }

    @Test func trustsResumeDataWhileFilesAreUntouched() throws {
        let (fixture, store, verified) = try savedFixture()
        defer { fixture.remove() }

        #expect(store.load(for: fixture.info, downloadRoot: fixture.root) == verified)
        #expect(store.check(for: fixture.info, downloadRoot: fixture.root) == .trusted(verified))
        #expect(fileExists(fixture.folder.file("resume/\(fixture.info.infoHash.hex).resume")))
        #expect(try FileManager.default.contentsOfDirectory(atPath: fixture.folder.file("resume")).count == 1)
    }

    @Test func distrustsAfterAModificationTimeChanges() throws {
        let (fixture, store, _) = try savedFixture()
        defer { fixture.remove() }
        setModificationTime(fixture.path("sub/b"), seconds: 1_600_000_000, nanoseconds: 6)

        #expect(store.load(for: fixture.info, downloadRoot: fixture.root) == nil)
        #expect(store.check(for: fixture.info, downloadRoot: fixture.root) == .rejected("'t/sub/b' was modified"))
    }

    @Test func distrustsAfterASizeChanges() throws {
        let (fixture, store, _) = try savedFixture()
        defer { fixture.remove() }
        #expect(truncate(fixture.path("a"), 2999) == 0)
        setModificationTime(fixture.path("a"), seconds: 1_600_000_000, nanoseconds: 5)

        #expect(store.check(for: fixture.info, downloadRoot: fixture.root) == .rejected("'t/a' changed size"))
    }

    @Test func distrustsAfterAFileIsOverwrittenOrDeleted() throws {
        let (fixture, store, _) = try savedFixture()
        defer { fixture.remove() }
        try patch(fixture.path("a"), at: 100, [1, 2, 3])
        #expect(store.load(for: fixture.info, downloadRoot: fixture.root) == nil)

        try FileManager.default.removeItem(atPath: fixture.path("empty"))
        try store.save(Bitfield(count: fixture.info.pieceCount), for: fixture.info, downloadRoot: fixture.root)
        #expect(store.load(for: fixture.info, downloadRoot: fixture.root) == Bitfield(count: fixture.info.pieceCount))
        try fixture.folder.write("t/empty", [])
        #expect(store.check(for: fixture.info, downloadRoot: fixture.root) == .rejected("'t/empty' appeared since"))
    }

    @Test func rejectsDamagedOrTruncatedResumeFiles() throws {
        let (fixture, store, _) = try savedFixture()
        defer { fixture.remove() }
        let path = store.path(for: fixture.info.infoHash)
        let good = try contents(path)

        for bad in [Array(good.prefix(good.count / 2)), [], Array("garbage".utf8), Array("d7:versioni9ee".utf8)] {
            try Data(bad).write(to: URL(fileURLWithPath: path))
            #expect(store.load(for: fixture.info, downloadRoot: fixture.root) == nil)
            guard case .rejected(let reason) = store.check(for: fixture.info, downloadRoot: fixture.root) else {
                Issue.record("damaged resume data was not rejected")
                continue
            }
            #expect(reason.hasPrefix("the resume data is damaged"))
        }
    }

    @Test func rejectsResumeDataOfAnotherTorrent() throws {
        let (fixture, store, _) = try savedFixture()
        defer { fixture.remove() }
        let other = try Fixture(Self.files, pieceLength: 1024, seed: 99, writeFiles: false)
        defer { other.remove() }
        try FileManager.default.copyItem(atPath: store.path(for: fixture.info.infoHash),
                                         toPath: store.path(for: other.info.infoHash))

        #expect(store.check(for: other.info, downloadRoot: fixture.root) == .rejected("it belongs to another torrent"))
        #expect(store.check(for: fixture.info, downloadRoot: fixture.folder.file("elsewhere")) != .absent)
        try store.remove(for: fixture.info.infoHash)
        #expect(store.check(for: fixture.info, downloadRoot: fixture.root) == .absent)
    }

    @Test func refusesToTrustPiecesOfAFileThatWasMissing() throws {
        let fixture = try Fixture(Self.files, pieceLength: 1024)
        defer { fixture.remove() }
        try FileManager.default.removeItem(atPath: fixture.path("sub/b"))
        let store = ResumeStore(folder: fixture.folder.file("resume"))
        // Resume data must never claim data that is not on disk: piece 3 lies wholly in the missing b.
        var lying = Bitfield(count: fixture.info.pieceCount)
        lying[3] = true
        try store.save(lying, for: fixture.info, downloadRoot: fixture.root)

        guard case .rejected(let reason) = store.check(for: fixture.info, downloadRoot: fixture.root) else {
            Issue.record("a claim on a missing file was trusted")
            return
        }
        #expect(reason.contains("t/sub/b"))
    }

    @Test func saveFailsClearlyWhenTheFolderCannotBeMade() throws {
        let fixture = try Fixture(Self.files, pieceLength: 1024)
        defer { fixture.remove() }
        let store = ResumeStore(folder: fixture.path("a") + "/resume")

        let error = try #require(throws: StorageError.self) {
            try store.save(Bitfield(count: fixture.info.pieceCount), for: fixture.info, downloadRoot: fixture.root)
        }
        #expect(error == .io(.createFolder, path: fixture.path("a") + "/resume", .notDirectory))
        #expect(store.load(for: fixture.info, downloadRoot: fixture.root) == nil)
    }

    @Test func encodesAndDecodesEveryField() throws {
        var verified = Bitfield(count: 11)
        verified[10] = true
        let data = ResumeData(infoHash: try #require(InfoHash(bytes: [UInt8](repeating: 7, count: 20))), pieceCount: 11,
                              verified: verified,
                              files: [.init(index: 0, size: 12, modifiedSeconds: -3, modifiedNanoseconds: 999_999_999),
                                      .init(index: 2, size: nil)])
        #expect(try ResumeData(decoding: data.encoded()) == data)
        var leased = data
        leased.journalGeneration = UInt64.max - 5
        leased.writeLease = FileTime(seconds: 1_700_000_000, nanoseconds: 123)
        #expect(try ResumeData(decoding: leased.encoded()) == leased)
    }
}
