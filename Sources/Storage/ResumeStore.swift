import SystemPackage
import TorrentCore

/// A folder of resume files, one per torrent: a snapshot `<info-hash hex>.resume` and, while a
/// download runs, the journal `<info-hash hex>.journal` that continues it (see `ResumeRecorder`).
///
/// Every claim in either was written after the data it vouches for was flushed to disk, so
/// after a crash the two together are still true. What could make them false is someone
/// else changing the files, which modification times reveal:
/// - a snapshot without a write lease (a clean stop, a finished check) holds only while every
///   file's size and modification time are exactly as recorded;
/// - a snapshot with a lease (rill was writing) also accepts a file that changed, as long as it
///   changed as rill's own writes would: it still exists, has its recorded or its full size,
///   and was last modified no earlier than recorded and no later than the latest lease in the
///   snapshot or its journal. rill never writes after its lease runs out, so a file modified
///   later was modified by someone else (a user editing it after rill was killed).
public struct ResumeStore: Sendable {
    /// What stored resume data says about a torrent's files now.
    public enum Verdict: Sendable, Equatable {
        /// The files are as they were when the data was saved: these pieces are verified.
        case trusted(Bitfield)
        /// rill stopped without saving (killed, a crash, a power cut): the snapshot and its
        /// journal still hold for the files as rill left them. The data given merges both for
        /// the files as they are now; saving it (and dropping the journal) compacts them.
        case recovered(ResumeData)
        /// No resume data is stored for the torrent.
        case absent
        /// The data is stale or damaged, so the files must be hashed; the reason says why.
        case rejected(String)
    }

    public let folder: String

    public init(folder: String) {
        self.folder = folder
    }

    /// Where the resume data of `infoHash` is stored.
    public func path(for infoHash: InfoHash) -> String {
        var path = FilePath(folder)
        path.append(infoHash.hex + ".resume")
        return path.string
    }

    /// Where the journal that continues the resume data of `infoHash` is kept.
    public func journalPath(for infoHash: InfoHash) -> String {
        var path = FilePath(folder)
        path.append(infoHash.hex + ".journal")
        return path.string
    }

    /// Records `verified` for `info` with the current state of its files below `downloadRoot`.
    public func save(_ verified: Bitfield, for info: TorrentInfo, downloadRoot: String) throws(StorageError) {
        try save(ResumeData(info: info, verified: verified, downloadRoot: downloadRoot))
    }

    /// Stores `data`, replacing any earlier copy atomically: a crash leaves the old or the new one.
    public func save(_ data: ResumeData) throws(StorageError) {
        try Posix.createFolders(FilePath(folder))
        let target = FilePath(path(for: data.infoHash))
        // A name of its own, so two saves racing for the same torrent cannot mix their bytes.
        let temporary = FilePath(target.string + ".tmp-" + String(UInt64.random(in: 0...UInt64.max), radix: 16))
        let descriptor: FileDescriptor
        do {
            descriptor = try FileDescriptor.open(temporary, .writeOnly, options: [.create, .truncate, .closeOnExec],
                                                 permissions: [.ownerReadWrite, .groupRead, .otherRead])
        } catch {
            throw .io(.create, path: temporary.string, FileStorage.errno(error))
        }
        var closed = false
        do throws(StorageError) {
            do { try descriptor.writeAll(data.encoded()) } catch {
                throw StorageError.io(.write, path: temporary.string, FileStorage.errno(error))
            }
            do { try Posix.flush(descriptor) } catch { throw StorageError.io(.flush, path: temporary.string, error) }
            closed = true
            do { try descriptor.close() } catch {
                throw StorageError.io(.write, path: temporary.string, FileStorage.errno(error))
            }
            do { try Posix.move(temporary, to: target) } catch {
                throw StorageError.io(.rename, path: temporary.string, error)
            }
            // So the rename survives a power cut; if it did not, the older snapshot still holds.
            try? Posix.flushFolder(FilePath(folder))
        } catch {
            if !closed { try? descriptor.close() }
            try? Posix.remove(temporary)
            throw error
        }
    }

    /// The verified pieces saved for `info`, or nil when there are none or they cannot be trusted
    /// (the files below `downloadRoot` changed, the torrent differs, or the data is damaged).
    public func load(for info: TorrentInfo, downloadRoot: String) -> Bitfield? {
        switch check(for: info, downloadRoot: downloadRoot) {
        case .trusted(let verified): return verified
        case .recovered(let data): return data.verified
        case .absent, .rejected: return nil
        }
    }

    /// What the saved resume data of `info` is worth now, with a reason when it is rejected.
    public func check(for info: TorrentInfo, downloadRoot: String) -> Verdict {
        let bytes: [UInt8]
        switch readFile(FilePath(path(for: info.infoHash))) {
        case .contents(let contents): bytes = contents
        case .absent: return .absent
        case .unreadable(let reason): return .rejected(reason)
        }
        let saved: ResumeData
        do { saved = try ResumeData(decoding: bytes) } catch { return .rejected(error.description) }
        guard saved.infoHash == info.infoHash else { return .rejected("it belongs to another torrent") }
        guard saved.pieceCount == info.pieceCount else { return .rejected("its piece count differs from the torrent's") }
        var verified = saved.verified
        var lease = saved.writeLease
        var journaled = false
        if let generation = saved.journalGeneration, let journal = readJournal(for: info, generation: generation) {
            for entry in journal.entries {
                for piece in entry.pieces { verified[piece] = true }
                lease = max(lease ?? entry.lease, entry.lease)
            }
            journaled = !journal.entries.isEmpty
        }
        let current: [ResumeData.FileState]
        do { current = try ResumeData.currentStates(of: info.layout, downloadRoot: downloadRoot) } catch {
            return .rejected(error.description)
        }
        guard current.count == saved.files.count else { return .rejected("its file list differs from the torrent's") }
        var changed = false
        for (now, then) in zip(current, saved.files) {
            guard now.index == then.index, now.index < info.files.count else {
                return .rejected("its file list differs from the torrent's")
            }
            guard now != then else { continue }
            let file = info.files[now.index]
            let name = file.displayPath
            guard let lease else {
                if now.size == nil { return .rejected("'\(name)' is missing") }
                if then.size == nil { return .rejected("'\(name)' appeared since") }
                if now.size != then.size { return .rejected("'\(name)' changed size") }
                return .rejected("'\(name)' was modified")
            }
            // rill was writing: it may have created the file at full size and written to it
            // until its lease ran out, and nothing else.
            guard let size = now.size else { return .rejected("'\(name)' is missing") }
            guard size == then.size || size == Int64(file.length) else { return .rejected("'\(name)' changed size") }
            guard now.modified <= lease else { return .rejected("'\(name)' was modified after rill stopped writing") }
            guard then.size == nil || now.modified >= then.modified else { return .rejected("'\(name)' was modified") }
            changed = true
        }
        // Never claim a piece that lies where a file is missing or short.
        for state in current {
            let file = info.files[state.index]
            let size = Int(state.size ?? 0)
            guard size < file.length else { continue }
            let firstAbsent = (file.offset + size) / info.pieceLength
            let lastAbsent = (file.offset + file.length - 1) / info.pieceLength
            if (firstAbsent...lastAbsent).contains(where: { verified[$0] }) {
                return .rejected("it claims pieces of '\(file.displayPath)', which was missing or short")
            }
        }
        guard changed || journaled else { return .trusted(verified) }
        return .recovered(ResumeData(infoHash: info.infoHash, pieceCount: info.pieceCount, verified: verified,
                                     files: current))
    }

    /// The journal of `info` if it continues the snapshot of `generation`; nil when there is none,
    /// or it is damaged from its header on, or it belongs to another torrent or an older snapshot
    /// (whose pieces that snapshot already holds).
    private func readJournal(for info: TorrentInfo, generation: UInt64) -> ResumeJournal.Contents? {
        guard case .contents(let bytes) = readFile(FilePath(journalPath(for: info.infoHash))),
              let journal = try? ResumeJournal.read(bytes),
              journal.header.mismatch(with: info) == nil, journal.header.generation == generation
        else { return nil }
        return journal
    }

    /// Deletes the resume data of `infoHash` (snapshot and journal), if any.
    public func remove(for infoHash: InfoHash) throws(StorageError) {
        try removeJournal(for: infoHash)
        try removeFile(FilePath(path(for: infoHash)))
    }

    /// Deletes the journal of `infoHash`, if any (after its pieces went into a new snapshot).
    public func removeJournal(for infoHash: InfoHash) throws(StorageError) {
        try removeFile(FilePath(journalPath(for: infoHash)))
    }

    private func removeFile(_ target: FilePath) throws(StorageError) {
        do { try Posix.remove(target) } catch {
            if error != .noSuchFileOrDirectory { throw .io(.remove, path: target.string, error) }
        }
    }

    /// Resume files are small; anything over this is not ours.
    private static let maxSize = 64 << 20

    private enum Loaded {
        case contents([UInt8])
        case absent
        case unreadable(String)
    }

    private func readFile(_ path: FilePath) -> Loaded {
        let descriptor: FileDescriptor
        do { descriptor = try FileDescriptor.open(path, .readOnly, options: [.closeOnExec]) } catch {
            let errno = FileStorage.errno(error)
            if errno == .noSuchFileOrDirectory { return .absent }
            return .unreadable(StorageError.io(.open, path: path.string, errno).description)
        }
        defer { try? descriptor.close() }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count: Int
            do { count = try chunk.withUnsafeMutableBytes { try descriptor.read(into: $0) } } catch {
                return .unreadable(StorageError.io(.read, path: path.string, FileStorage.errno(error)).description)
            }
            if count == 0 { return .contents(bytes) }
            bytes += chunk[..<count]
            if bytes.count > Self.maxSize { return .unreadable("'\(path.string)' is too large to be resume data") }
        }
    }
}
