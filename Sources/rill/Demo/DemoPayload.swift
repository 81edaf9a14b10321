import Foundation
import Storage
import TorrentCore

/// The files the demo shares: a folder of random bytes, made fresh for every run.
struct DemoPayload {
    static let folderName = "rill-demo-album"
    /// Share of the total size per file, and its name.
    static let files: [(name: String, share: Int)] = [
        ("01 - Overture.flac", 14), ("02 - Loopback Blues.flac", 18), ("03 - Piece Picker.flac", 16),
        ("04 - Rarest First.flac", 20), ("05 - Endgame.flac", 12), ("cover.png", 2), ("booklet.pdf", 18),
    ]

    /// The bytes of file `index` of a payload of `totalBytes`.
    static func sizes(totalBytes: Int) -> [Int] {
        let shares = files.map(\.share).reduce(0, +)
        return files.map { max(1, totalBytes / shares * $0.share) }
    }

    /// Writes the files whose indices are in `only` (all when nil) below `root`.
    static func write(totalBytes: Int, to root: String, only: Set<Int>? = nil) throws {
        try write(folderName: folderName, files: files, totalBytes: totalBytes, to: root, only: only)
    }

    /// Writes the files of a folder `folderName` made of `files` (names and shares of `totalBytes`).
    static func write(folderName: String, files: [(name: String, share: Int)], totalBytes: Int, to root: String,
                      only: Set<Int>? = nil) throws {
        let folder = root + "/" + folderName
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let shares = files.map(\.share).reduce(0, +)
        for (index, file) in files.enumerated() where only?.contains(index) ?? true {
            let size = max(1, totalBytes / shares * file.share)
            let path = folder + "/" + file.name
            FileManager.default.createFile(atPath: path, contents: nil)
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
            defer { try? handle.close() }
            // Each folder its own bytes (the album keeps the seeds it always had).
            let salt = folderName == Self.folderName ? 0 : folderName.utf8.reduce(UInt64(0)) { $0 &* 31 &+ UInt64($1) }
            var generator = DemoBytes(seed: UInt64(index + 1) &+ salt)
            var left = size
            while left > 0 {
                let chunk = min(left, 1 << 20)
                try handle.write(contentsOf: generator.next(chunk))
                left -= chunk
            }
        }
    }

    /// A torrent of the payload below `root`, with pieces small enough to fill the bitmap.
    static func torrent(of root: String, folderName: String = folderName) throws -> Metainfo {
        var options = TorrentCreator.Options()
        options.pieceLength = 256 * 1024
        options.comment = "rill demo: random bytes, shared on 127.0.0.1 only"
        return try Metainfo(bytes: TorrentCreator.create(from: root + "/" + folderName, options: options))
    }
}

/// Fast, repeatable filler bytes (a 64-bit LCG): the same seed always gives the same file.
struct DemoBytes {
    private var state: UInt64

    init(seed: UInt64) { state = seed &* 0x9E37_79B9_7F4A_7C15 }

    mutating func next(_ count: Int) -> Data {
        var out = Data(count: count)
        out.withUnsafeMutableBytes { raw in
            let words = raw.bindMemory(to: UInt64.self)
            for index in words.indices {
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                words[index] = state ^ (state >> 29)
            }
        }
        return out
    }
}
