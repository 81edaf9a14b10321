import Bencode
import SystemPackage
import TorrentCore

/// What a finished check proved about a torrent's data, and the state of its files at that moment,
/// so the next start can trust it without hashing again — as long as no file changed since.
///
/// While rill downloads, the snapshot also carries a write lease and names the journal that
/// extends it (see `ResumeRecorder`): files may then have changed, but only as rill's own writes
/// before the lease ran out could change them.
public struct ResumeData: Sendable, Equatable {
    /// Size and modification time of one file when the resume data was taken.
    public struct FileState: Sendable, Equatable {
        /// Index into the torrent's files.
        public var index: Int
        /// nil when the file did not exist.
        public var size: Int64?
        public var modifiedSeconds: Int64
        public var modifiedNanoseconds: Int64

        public init(index: Int, size: Int64?, modifiedSeconds: Int64 = 0, modifiedNanoseconds: Int64 = 0) {
            self.index = index
            self.size = size
            self.modifiedSeconds = modifiedSeconds
            self.modifiedNanoseconds = modifiedNanoseconds
        }

        public var modified: FileTime { FileTime(seconds: modifiedSeconds, nanoseconds: modifiedNanoseconds) }
    }

    public var infoHash: InfoHash
    public var pieceCount: Int
    /// The pieces known to be on disk and verified.
    public var verified: Bitfield
    /// Every non-padding file, in torrent order.
    public var files: [FileState]
    /// The journal that continues this snapshot (`<hash>.journal` with this generation in its
    /// header); nil when none does.
    public var journalGeneration: UInt64?
    /// Until when rill may still write to the files after taking this snapshot; nil when it
    /// promised not to write at all (a clean stop, a finished check), so the files must be
    /// exactly as recorded.
    public var writeLease: FileTime?

    public init(infoHash: InfoHash, pieceCount: Int, verified: Bitfield, files: [FileState],
                journalGeneration: UInt64? = nil, writeLease: FileTime? = nil) {
        self.infoHash = infoHash
        self.pieceCount = pieceCount
        self.verified = verified
        self.files = files
        self.journalGeneration = journalGeneration
        self.writeLease = writeLease
    }

    /// Records `verified` together with the current size and modification time of every file.
    public init(info: TorrentInfo, verified: Bitfield, downloadRoot: String,
                journalGeneration: UInt64? = nil, writeLease: FileTime? = nil) throws(StorageError) {
        precondition(verified.count == info.pieceCount, "the bitfield must cover every piece")
        self.init(infoHash: info.infoHash, pieceCount: info.pieceCount, verified: verified,
                  files: try Self.currentStates(of: info.layout, downloadRoot: downloadRoot),
                  journalGeneration: journalGeneration, writeLease: writeLease)
    }

    /// The size and modification time of every non-padding file of `layout` as they are now.
    /// A symbolic link on the way to a file is refused (`symlinkRefused`), as `FileStorage` does.
    public static func currentStates(of layout: FileLayout, downloadRoot: String) throws(StorageError) -> [FileState] {
        let folder = DownloadFolder(FilePath(downloadRoot))
        var states: [FileState] = []
        for (index, file) in layout.files.enumerated() where !file.isPadding {
            if let status = try folder.status(of: FileStorage.relativePath(of: file)) {
                states.append(FileState(index: index, size: status.size, modifiedSeconds: status.modifiedSeconds,
                                        modifiedNanoseconds: status.modifiedNanoseconds))
            } else {
                states.append(FileState(index: index, size: nil))
            }
        }
        return states
    }

    // MARK: - Encoding

    private static let version: Int64 = 1

    /// The bencoded form stored on disk. The journal and lease keys are optional, so an older
    /// reader ignores them and simply demands unchanged files, which is still safe.
    public func encoded() -> [UInt8] {
        var root: [String: BencodeValue] = [
            "version": .integer(Self.version),
            "info-hash": .bytes(infoHash.bytes),
            "piece count": .integer(Int64(pieceCount)),
            "verified": .bytes(verified.bytes),
            "files": .list(files.map { file in
                var entry: [String: BencodeValue] = ["index": .integer(Int64(file.index))]
                if let size = file.size {
                    entry["size"] = .integer(size)
                    entry["mtime"] = .integer(file.modifiedSeconds)
                    entry["mtime ns"] = .integer(file.modifiedNanoseconds)
                }
                return .dict(entry)
            }),
        ]
        if let journalGeneration { root["journal"] = .integer(Int64(bitPattern: journalGeneration)) }
        if let writeLease {
            root["write lease"] = .integer(writeLease.seconds)
            root["write lease ns"] = .integer(writeLease.nanoseconds)
        }
        return BencodeValue.dict(root).encoded()
    }

    /// Reads the bencoded form; throws a reason when the bytes are not resume data rill wrote.
    public init(decoding bytes: [UInt8]) throws(ResumeDataError) {
        let root: BencodeValue
        do { root = try BencodeDecoder().decode(bytes) } catch { throw .corrupt(error.description) }
        guard root["version"]?.integer == Self.version else { throw .corrupt("unknown version") }
        guard let hashBytes = root["info-hash"]?.bytes, let hash = InfoHash(bytes: hashBytes) else {
            throw .corrupt("no valid info-hash")
        }
        guard let count64 = root["piece count"]?.integer, count64 >= 0, count64 < 1 << 32 else {
            throw .corrupt("no valid piece count")
        }
        let count = Int(count64)
        guard let fieldBytes = root["verified"]?.bytes, let verified = Bitfield(bytes: fieldBytes, count: count) else {
            throw .corrupt("the verified-pieces field does not match the piece count")
        }
        guard let list = root["files"]?.list else { throw .corrupt("no file list") }
        var files: [FileState] = []
        for entry in list {
            guard let index = entry["index"]?.integer, index >= 0, index < 1 << 32 else {
                throw .corrupt("a file entry has no valid index")
            }
            if let size = entry["size"]?.integer {
                guard size >= 0, let seconds = entry["mtime"]?.integer, let nanoseconds = entry["mtime ns"]?.integer else {
                    throw .corrupt("a file entry has no valid size and time")
                }
                files.append(FileState(index: Int(index), size: size, modifiedSeconds: seconds,
                                       modifiedNanoseconds: nanoseconds))
            } else {
                files.append(FileState(index: Int(index), size: nil))
            }
        }
        let generation = root["journal"]?.integer.map { UInt64(bitPattern: $0) }
        var lease: FileTime?
        if let seconds = root["write lease"]?.integer {
            guard let nanoseconds = root["write lease ns"]?.integer, (0..<1_000_000_000).contains(nanoseconds) else {
                throw .corrupt("no valid write lease")
            }
            lease = FileTime(seconds: seconds, nanoseconds: nanoseconds)
        }
        self.init(infoHash: hash, pieceCount: count, verified: verified, files: files, journalGeneration: generation,
                  writeLease: lease)
    }
}

/// Why stored resume data could not be read.
public enum ResumeDataError: Error, Equatable, Sendable, CustomStringConvertible {
    case corrupt(String)

    public var description: String {
        switch self {
        case .corrupt(let reason): return "the resume data is damaged (\(reason))"
        }
    }
}
