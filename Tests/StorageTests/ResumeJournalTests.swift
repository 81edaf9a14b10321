import Foundation
import Storage
import TestSupport
import Testing
import TorrentCore

/// Crash-safe resume data: the recorder's journal, and what a load after a crash trusts.
@Suite struct ResumeJournalTests {
    static let files = [FixtureFile("a", 3000), FixtureFile("sub/b", 2000), FixtureFile("empty", 0)]

    /// An empty download being written: its storage (prepared), its store and a recorder on the real clock.
    struct Download {
        let fixture: Fixture
        let storage: FileStorage
        let store: ResumeStore
        let recorder: ResumeRecorder
        var info: TorrentInfo { fixture.info }

        init(storage wrap: ((FileStorage) -> any TorrentStorage)? = nil, clock: @escaping WallClock = systemClock,
             seed: UInt64 = 1) throws {
            fixture = try Fixture(ResumeJournalTests.files, pieceLength: 1024, seed: seed, writeFiles: false)
            storage = try FileStorage(root: fixture.root, layout: fixture.info.layout, mode: .readWrite)
            try storage.prepare()
            store = ResumeStore(folder: fixture.folder.file("resume"))
            recorder = ResumeRecorder(store: store, info: fixture.info, downloadRoot: fixture.root,
                                      storage: wrap?(storage) ?? storage,
                                      verified: Bitfield(count: fixture.info.pieceCount), clock: clock)
        }

        /// The write thread's part for one piece.
        func write(_ piece: Int) throws {
            recorder.willWrite()
            try storage.write(piece: piece, offset: 0, bytes: fixture.piece(piece))
            recorder.didWrite(piece)
        }

        /// What a restart would trust now.
        func trusted() -> [Int] {
            store.load(for: info, downloadRoot: fixture.root)?.setIndices ?? []
        }

        func verdict() -> ResumeStore.Verdict { store.check(for: info, downloadRoot: fixture.root) }

        func journal() throws -> ResumeJournal.Contents {
            try ResumeJournal.read(contents(store.journalPath(for: info.infoHash)))
        }

        func snapshot() throws -> ResumeData {
            try ResumeData(decoding: contents(store.path(for: info.infoHash)))
        }

        func remove() { fixture.remove() }
    }

    // MARK: - Journal

    @Test func journalRecordsFlushedPiecesAndALoadAfterACrashTrustsThem() throws {
        let download = try Download()
        defer { download.remove() }
        try download.write(0)
        try download.write(3)
        try download.recorder.synchronize()
        try download.write(4)
        try download.recorder.synchronize()
        // No finish(): the process dies here.

        let journal = try download.journal()
        #expect(journal.header == ResumeJournal.Header(info: download.info, generation: journal.header.generation))
        #expect(journal.entries.map(\.pieces) == [[0, 3], [4]])
        #expect(journal.entries[0].lease <= journal.entries[1].lease)
        #expect(!journal.hasDamagedTail)
        #expect(try download.snapshot().journalGeneration == journal.header.generation)
        #expect(try download.snapshot().writeLease != nil)
        guard case .recovered(let data) = download.verdict() else {
            Issue.record("the journal was not used: \(download.verdict())")
            return
        }
        #expect(data.verified.setIndices == [0, 3, 4])
        #expect(data.writeLease == nil && data.journalGeneration == nil, "recovered data is a plain snapshot")
    }

    @Test func aPieceIsNeverClaimedBeforeItsDataIsFlushed() throws {
        // The storage looks at what a restart would trust at the moment it is asked to flush.
        let seen = Locked<[[Int]]>([])
        var check: (() -> [Int])?
        let download = try Download(storage: { files in
            SpyStorage(files: files, beforeFlush: { seen.withLock { $0.append(check?() ?? []) } })
        })
        defer { download.remove() }
        check = { download.trusted() }

        try download.write(1)
        try download.write(2)
        #expect(download.trusted() == [], "written but not flushed: not claimed")
        #expect(download.recorder.durablePieces.isEmpty)
        try download.recorder.synchronize()
        #expect(seen.withLock { $0 } == [[]], "while the data was flushed, nothing was claimed yet")
        #expect(download.trusted() == [1, 2])

        try download.write(4)
        try download.recorder.synchronize()
        #expect(seen.withLock { $0 } == [[], [1, 2]])
        #expect(download.trusted() == [1, 2, 4])
    }

    @Test func aFailedFlushClaimsNothingForTheRestOfTheRun() throws {
        let failing = Locked(false)
        let download = try Download(storage: { files in
            SpyStorage(files: files, fail: { failing.withLock { $0 } })
        })
        defer { download.remove() }
        try download.write(0)
        try download.recorder.synchronize()
        failing.withLock { $0 = true }
        try download.write(1)
        #expect(throws: StorageError.self) { try download.recorder.synchronize() }
        failing.withLock { $0 = false }
        // The kernel may have dropped the pages it could not write; a later flush proves nothing.
        try download.write(2)
        try download.recorder.synchronize()
        #expect(download.trusted() == [0])
        #expect(download.recorder.durablePieces.setIndices == [0])
    }

    @Test(arguments: [TornKind.truncated, .flippedByte, .garbageAppended])
    func aTornOrDamagedLastRecordIsIgnored(_ kind: TornKind) throws {
        let download = try Download()
        defer { download.remove() }
        try download.write(0)
        try download.recorder.synchronize()
        try download.write(1)
        try download.recorder.synchronize()
        let path = download.store.journalPath(for: download.info.infoHash)
        var bytes = try contents(path)
        switch kind {
        case .truncated: bytes.removeLast(3)
        case .flippedByte: bytes[bytes.count - 2] ^= 0x40
        case .garbageAppended: bytes += [9, 0, 0, 0, 1, 2, 3, 4, 5]
        }
        try Data(bytes).write(to: URL(fileURLWithPath: path))

        let journal = try download.journal()
        #expect(journal.hasDamagedTail)
        #expect(download.trusted() == (kind == .garbageAppended ? [0, 1] : [0]))
    }

    enum TornKind: CaseIterable, Sendable { case truncated, flippedByte, garbageAppended }

    @Test func aJournalWhoseHeaderIsTornIsIgnoredAsAWhole() throws {
        let download = try Download()
        defer { download.remove() }
        try download.write(0)
        try download.recorder.synchronize()
        let path = download.store.journalPath(for: download.info.infoHash)
        try Data(try contents(path).prefix(10)).write(to: URL(fileURLWithPath: path))
        #expect(download.trusted() == [])
        #expect(throws: ResumeDataError.self) { try download.journal() }
    }

    @Test(arguments: [Mismatch.infoHash, .pieceCount, .fileLengths, .generation])
    func aJournalOfAnotherTorrentOrSnapshotIsNotTrusted(_ mismatch: Mismatch) throws {
        let download = try Download()
        defer { download.remove() }
        try download.write(0)
        try download.recorder.synchronize()
        #expect(download.trusted() == [0])

        // Replace the journal with one that claims piece 1 but identifies something else.
        let info = download.info
        var header = try download.journal().header
        switch mismatch {
        case .infoHash: header.infoHash = try #require(InfoHash(bytes: [UInt8](repeating: 0xAB, count: 20)))
        case .pieceCount: header.pieceCount = info.pieceCount + 1
        case .fileLengths: header.fileLengths[0] += 1
        case .generation: header.generation &+= 1
        }
        let lease = try #require(download.journal().entries.last?.lease)
        let forged = ResumeJournal.record(header) + ResumeJournal.record(.init(pieces: [0, 1], lease: lease))
        try Data(forged).write(to: URL(fileURLWithPath: download.store.journalPath(for: info.infoHash)))

        #expect(download.trusted() == [], "only the snapshot counts, and it claims nothing yet")
    }

    enum Mismatch: CaseIterable, Sendable { case infoHash, pieceCount, fileLengths, generation }

    // MARK: - Compaction

    @Test func compactionFoldsTheJournalIntoAFreshSnapshot() throws {
        let download = try Download()
        defer { download.remove() }
        try download.write(0)
        try download.write(2)
        try download.recorder.synchronize()
        let before = try download.journal().header.generation
        try download.write(3)  // waiting: compaction flushes it first
        try download.recorder.compact()

        let snapshot = try download.snapshot()
        let journal = try download.journal()
        #expect(snapshot.verified.setIndices == [0, 2, 3])
        #expect(snapshot.writeLease != nil)
        #expect(journal.header.generation == snapshot.journalGeneration && journal.header.generation != before)
        let journalSize = try contents(download.store.journalPath(for: download.info.infoHash)).count
        #expect(journal.entries.isEmpty && journal.intactLength == journalSize)
        #expect(download.trusted() == [0, 2, 3])

        // The journal stays small: it compacts itself once it passes its bound.
        var timing = ResumeRecorder.Timing()
        timing.maxJournalBytes = 100
        let small = ResumeRecorder(store: download.store, info: download.info, downloadRoot: download.fixture.root,
                                   storage: download.storage, verified: snapshot.verified, clock: systemClock,
                                   timing: timing)
        for piece in [4, 1] {
            small.willWrite()
            try download.storage.write(piece: piece, offset: 0, bytes: download.fixture.piece(piece))
            small.didWrite(piece)
            try small.synchronize()
        }
        #expect(try download.journal().entries.count <= 1)
        #expect(download.trusted() == [0, 1, 2, 3, 4])
    }

    @Test func aCleanFinishLeavesAPlainSnapshotAndNoJournal() throws {
        let download = try Download()
        defer { download.remove() }
        try download.write(0)
        try download.write(1)
        try download.recorder.finish()

        #expect(!fileExists(download.store.journalPath(for: download.info.infoHash)))
        let snapshot = try download.snapshot()
        #expect(snapshot.writeLease == nil && snapshot.journalGeneration == nil)
        #expect(download.verdict() == .trusted(snapshot.verified))
        #expect(snapshot.verified.setIndices == [0, 1])
    }

    @Test func anIdleRunDoesNotRewriteTheSnapshotItStartedFromButAWritingRunDoes() throws {
        let download = try Download()
        defer { download.remove() }
        try download.write(0)
        try download.recorder.finish()
        let path = download.store.path(for: download.info.infoHash)
        let stored = try contents(path)
        let verified = try download.snapshot().verified
        func restarted() -> ResumeRecorder {
            ResumeRecorder(store: download.store, info: download.info, downloadRoot: download.fixture.root,
                           storage: download.storage, verified: verified, clock: systemClock,
                           storedSnapshotIsCurrent: true)
        }

        try FileManager.default.removeItem(atPath: path)  // so a rewrite would show
        try restarted().finish()
        #expect(!fileExists(path), "nothing was written, so nothing is rewritten")

        try Data(stored).write(to: URL(fileURLWithPath: path))
        let writing = restarted()
        writing.willWrite()
        try download.storage.write(piece: 1, offset: 0, bytes: download.fixture.piece(1))
        writing.didWrite(1)
        try writing.finish()
        #expect(download.trusted() == [0, 1], "a run that wrote records what it wrote")
    }

    @Test func theCheckAtStartCompactsWhatACrashLeft() throws {
        let download = try Download()
        defer { download.remove() }
        try download.write(0)
        try download.write(4)
        try download.recorder.synchronize()
        try download.write(1)  // written, never flushed: not claimed

        let first = try DataChecker.check(info: download.info, root: download.fixture.root, resume: download.store)
        #expect(first.fromResume && first.recovered && first.resumeSaveError == nil)
        #expect(first.verified.setIndices == [0, 4])
        #expect(!fileExists(download.store.journalPath(for: download.info.infoHash)))
        #expect(try download.snapshot().writeLease == nil)

        let second = try DataChecker.check(info: download.info, root: download.fixture.root, resume: download.store)
        #expect(second.fromResume && !second.recovered)
        #expect(second.verified == first.verified)
        // Every piece it trusts really is there.
        let hashed = try DataChecker.check(info: download.info, root: download.fixture.root, resume: nil)
        #expect(first.verified.setIndices.allSatisfy { hashed.verified[$0] })
    }

    @Test func aRecheckReplacesWhatWasClaimed() throws {
        let download = try Download()
        defer { download.remove() }
        try download.write(0)
        try download.write(1)
        try download.recorder.synchronize()
        var found = Bitfield(count: download.info.pieceCount)
        found[1] = true
        try download.recorder.restart(verified: found)
        #expect(download.trusted() == [1])
    }

    // MARK: - Files changed behind rill's back

    @Test func aFileEditedByHandAfterACleanExitIsNotTrusted() throws {
        let download = try Download()
        defer { download.remove() }
        try download.write(0)
        try download.recorder.finish()
        #expect(download.trusted() == [0])

        usleep(20_000)  // past the file system's timestamp granularity
        try patch(download.fixture.path("a"), at: 10, [1, 2, 3])
        #expect(download.verdict() == .rejected("'t/a' was modified"))
    }

    @Test func aFileEditedByHandAfterACrashIsNotTrusted() throws {
        let download = try Download()
        defer { download.remove() }
        try download.write(0)
        try download.recorder.synchronize()
        let lease = try #require(download.journal().entries.last?.lease)
        #expect(download.trusted() == [0])

        // The edit happens a minute after rill died; its lease ran out long before.
        setModificationTime(download.fixture.path("a"), seconds: Int(lease.seconds) + 60)
        #expect(download.verdict() == .rejected("'t/a' was modified after rill stopped writing"))

        // Edited within the lease it cannot be told from rill's own writes (the price of a few
        // seconds' lease); but never earlier than the snapshot recorded.
        let snapshot = try download.snapshot()
        let recorded = try #require(snapshot.files.first { $0.index == 0 })
        setModificationTime(download.fixture.path("a"), seconds: Int(recorded.modifiedSeconds) - 60)
        #expect(download.verdict() == .rejected("'t/a' was modified"))
    }

    @Test func aFileShortenedAfterACrashIsNotTrusted() throws {
        let download = try Download()
        defer { download.remove() }
        try download.write(0)
        try download.recorder.synchronize()
        #expect(truncate(download.fixture.path("a"), 1000) == 0)
        #expect(download.verdict() == .rejected("'t/a' changed size"))
        try FileManager.default.removeItem(atPath: download.fixture.path("a"))
        #expect(download.verdict() == .rejected("'t/a' is missing"))
    }

    // MARK: - The write lease

    @Test func theWriterRenewsItsLeaseBeforeWritingPastIt() throws {
        let now = Locked(FileTime(seconds: 2_000_000_000))
        let download = try Download(clock: { now.withLock { $0 } })
        defer { download.remove() }
        let leaseLength = download.recorder.timing.leaseLength

        try download.write(0)  // starts the journal: the snapshot holds the first lease
        let first = try #require(try download.snapshot().writeLease)
        #expect(first == FileTime(seconds: 2_000_000_000).adding(seconds: leaseLength))
        try download.write(1)
        #expect(try download.journal().entries.isEmpty, "the lease still covers this write")

        now.withLock { $0 = $0.adding(seconds: leaseLength - 1) }
        try download.write(2)
        let entries = try download.journal().entries
        #expect(entries.map(\.pieces) == [[]], "an empty entry renews the lease")
        #expect(entries.last!.lease == now.withLock { $0 }.adding(seconds: leaseLength))
    }

    @Test func removingResumeDataRemovesTheJournalToo() throws {
        let download = try Download()
        defer { download.remove() }
        try download.write(0)
        try download.recorder.synchronize()
        try download.store.remove(for: download.info.infoHash)
        #expect(!fileExists(download.store.journalPath(for: download.info.infoHash)))
        #expect(download.verdict() == .absent)
    }
}

/// The wall clock.
@Sendable func systemClock() -> FileTime {
    var now = timespec()
    clock_gettime(CLOCK_REALTIME, &now)
    return FileTime(seconds: Int64(now.tv_sec), nanoseconds: Int64(now.tv_nsec))
}

/// Files whose flushes can be watched, or made to fail.
final class SpyStorage: TorrentStorage, @unchecked Sendable {
    private let files: FileStorage
    private let beforeFlush: () -> Void
    private let fail: () -> Bool

    var layout: FileLayout { files.layout }

    init(files: FileStorage, beforeFlush: @escaping () -> Void = {}, fail: @escaping () -> Bool = { false }) {
        self.files = files
        self.beforeFlush = beforeFlush
        self.fail = fail
    }

    func read(piece: Int, offset: Int, into buffer: UnsafeMutableRawBufferPointer) throws(StorageError) {
        try files.read(piece: piece, offset: offset, into: buffer)
    }

    func write(piece: Int, offset: Int, from buffer: UnsafeRawBufferPointer) throws(StorageError) {
        try files.write(piece: piece, offset: offset, from: buffer)
    }

    func synchronize() throws(StorageError) {
        beforeFlush()
        if fail() { throw .io(.flush, path: "spy", .ioError) }
        try files.synchronize()
    }
}

/// A value shared between a test and the code it drives.
final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value
    init(_ value: Value) { self.value = value }
    func withLock<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
}
