import SystemPackage
import TorrentCore

/// A folder of resume files, one per torrent, named `<info-hash hex>.resume`.
public struct ResumeStore: Sendable {
    /// What stored resume data says about a torrent's files now.
    public enum Verdict: Sendable, Equatable {
        /// The files are as they were when the data was saved: these pieces are verified.
        case trusted(Bitfield)
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
        } catch {
            if !closed { try? descriptor.close() }
            try? Posix.remove(temporary)
            throw error
        }
    }

    /// The verified pieces saved for `info`, or nil when there are none or they cannot be trusted
    /// (the files below `downloadRoot` changed, the torrent differs, or the data is damaged).
    public func load(for info: TorrentInfo, downloadRoot: String) -> Bitfield? {
        if case .trusted(let verified) = check(for: info, downloadRoot: downloadRoot) { return verified }
        return nil
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
        let current: [ResumeData.FileState]
        do { current = try ResumeData.currentStates(of: info.layout, downloadRoot: downloadRoot) } catch {
            return .rejected(error.description)
        }
        guard current.count == saved.files.count else { return .rejected("its file list differs from the torrent's") }
        for (now, then) in zip(current, saved.files) {
            guard now.index == then.index else { return .rejected("its file list differs from the torrent's") }
            if now != then {
                let name = info.files[now.index].displayPath
                if now.size == nil { return .rejected("'\(name)' is missing") }
                if then.size == nil { return .rejected("'\(name)' appeared since") }
                if now.size != then.size { return .rejected("'\(name)' changed size") }
                return .rejected("'\(name)' was modified")
            }
        }
        // Never claim a piece that lies where a file was missing or short.
        for state in saved.files {
            let file = info.files[state.index]
            let size = Int(state.size ?? 0)
            guard size < file.length else { continue }
            let firstAbsent = (file.offset + size) / info.pieceLength
            let lastAbsent = (file.offset + file.length - 1) / info.pieceLength
            if (firstAbsent...lastAbsent).contains(where: { saved.verified[$0] }) {
                return .rejected("it claims pieces of '\(file.displayPath)', which was missing or short")
            }
        }
        return .trusted(saved.verified)
    }

    /// Deletes the resume data of `infoHash`, if any.
    public func remove(for infoHash: InfoHash) throws(StorageError) {
        let target = FilePath(path(for: infoHash))
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
