import Foundation
import Storage
import TestSupport
import TorrentCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A file of a test torrent: its path below the torrent's folder and its size.
/// A first component of `.pad` makes it a BEP 47 padding file.
struct FixtureFile {
    var path: [String]
    var length: Int
    init(_ path: String, _ length: Int) {
        self.path = path.split(separator: "/").map(String.init)
        self.length = length
    }
}

/// A multi-file torrent named `t` with pseudo-random contents (zeros in padding files) and,
/// optionally, its files written below a temporary download folder.
struct Fixture {
    let folder: TemporaryDirectory
    let info: TorrentInfo
    /// The whole byte stream.
    let stream: [UInt8]

    var root: String { folder.path }

    init(_ files: [FixtureFile], pieceLength: Int, seed: UInt64 = 1, writeFiles: Bool = true) throws {
        folder = try TemporaryDirectory("rill-storage")
        var stream: [UInt8] = []
        for (index, file) in files.enumerated() {
            let bytes = file.path.first == ".pad"
                ? [UInt8](repeating: 0, count: file.length)
                : pseudoRandomBytes(count: file.length, seed: seed &+ UInt64(index))
            if writeFiles && file.path.first != ".pad" {
                try folder.write((["t"] + file.path).joined(separator: "/"), bytes)
            }
            stream += bytes
        }
        self.stream = stream
        var builder = MetainfoBuilder(name: "t", pieceLength: pieceLength,
                                      files: files.map { .init(path: $0.path, length: $0.length) })
        builder.createdBy = nil
        let hashes = referenceHashes(stream, pieceLength: pieceLength)
        let metainfo = try Metainfo(bytes: builder.torrentBytes(pieceHashes: hashes))
        info = metainfo.info
    }

    /// The bytes of `piece` in the stream.
    func piece(_ index: Int) -> [UInt8] {
        Array(stream[index * info.pieceLength..<min(stream.count, (index + 1) * info.pieceLength)])
    }

    /// Full path of a file given below the torrent's folder (`"x/b"` → `<root>/t/x/b`).
    func path(_ relative: String) -> String { folder.file("t/" + relative) }

    func remove() { folder.remove() }
}

/// SHA-1 of each piece of `stream` taken one at a time on this thread, through TorrentCore's hash
/// (a code path independent of `PieceHasher`).
func referenceHashes(_ stream: [UInt8], pieceLength: Int) -> [UInt8] {
    var out: [UInt8] = []
    var start = 0
    while start < stream.count {
        out += InfoHash(hashingInfo: stream[start..<min(stream.count, start + pieceLength)]).bytes
        start += pieceLength
    }
    return out
}

/// `stat` of a path, or nil when it does not exist.
func fileStatus(_ path: String) -> stat? {
    var info = stat()
    return stat(path, &info) == 0 ? info : nil
}

func fileExists(_ path: String) -> Bool { fileStatus(path) != nil }

func isFolder(_ path: String) -> Bool {
    guard let info = fileStatus(path) else { return false }
    return info.st_mode & S_IFMT == S_IFDIR
}

func fileSize(_ path: String) -> Int? { fileStatus(path).map { Int($0.st_size) } }

func contents(_ path: String) throws -> [UInt8] { [UInt8](try Data(contentsOf: URL(fileURLWithPath: path))) }

/// Overwrites `bytes.count` bytes of the file at `offset` in place.
func patch(_ path: String, at offset: Int, _ bytes: [UInt8]) throws {
    guard let handle = FileHandle(forUpdatingAtPath: path) else { throw CocoaError(.fileNoSuchFile) }
    defer { try? handle.close() }
    try handle.seek(toOffset: UInt64(offset))
    try handle.write(contentsOf: bytes)
}

/// Sets a file's modification time to a fixed moment (seconds since 1970).
func setModificationTime(_ path: String, seconds: Int, nanoseconds: Int = 0) {
    var times = [timespec(tv_sec: seconds, tv_nsec: nanoseconds), timespec(tv_sec: seconds, tv_nsec: nanoseconds)]
    _ = utimensat(AT_FDCWD, path, &times, 0)
}
