import Bencode

/// Assembles the bytes of a new `.torrent` file from files and their piece hashes.
public struct MetainfoBuilder: Sendable {
    /// One file to include, with its path below the torrent's name folder.
    public struct Entry: Sendable {
        public var path: [String]
        public var length: Int
        public init(path: [String], length: Int) {
            self.path = path
            self.length = length
        }
    }

    public var name: String
    public var pieceLength: Int
    /// nil for a single-file torrent; otherwise the files in order.
    public var files: [Entry]?
    /// The length of the one file of a single-file torrent.
    public var singleFileLength: Int
    public var trackerTiers: [[String]] = []
    public var webSeeds: [String] = []
    public var isPrivate = false
    public var comment: String?
    public var createdBy: String? = "rill"
    public var creationDate: Int64?

    public init(name: String, pieceLength: Int, files: [Entry]?, singleFileLength: Int = 0) {
        self.name = name
        self.pieceLength = pieceLength
        self.files = files
        self.singleFileLength = singleFileLength
    }

    /// The piece length rill picks for `totalLength` bytes: a power of two giving roughly
    /// 1000–2000 pieces, clamped to 16 KiB…16 MiB.
    public static func automaticPieceLength(forTotalLength totalLength: Int) -> Int {
        var length = 16 * 1024
        while length < 16 * 1024 * 1024 && totalLength > length * 2000 { length *= 2 }
        return length
    }

    /// The bencoded `info` dictionary for the given piece hashes (20 bytes each).
    public func infoValue(pieceHashes: [UInt8]) -> BencodeValue {
        var info: [String: BencodeValue] = [
            "name": .string(name),
            "piece length": .integer(Int64(pieceLength)),
            "pieces": .bytes(pieceHashes),
        ]
        if let files {
            info["files"] = .list(files.map { entry in
                .dict(["length": .integer(Int64(entry.length)), "path": .list(entry.path.map { .string($0) })])
            })
        } else {
            info["length"] = .integer(Int64(singleFileLength))
        }
        if isPrivate { info["private"] = .integer(1) }
        return .dict(info)
    }

    /// The whole `.torrent` file.
    public func torrentBytes(pieceHashes: [UInt8]) -> [UInt8] {
        var root: [String: BencodeValue] = ["info": infoValue(pieceHashes: pieceHashes)]
        if let first = trackerTiers.first?.first { root["announce"] = .string(first) }
        if trackerTiers.count > 1 || (trackerTiers.first?.count ?? 0) > 1 {
            root["announce-list"] = .list(trackerTiers.map { .list($0.map { .string($0) }) })
        }
        if webSeeds.count == 1 {
            root["url-list"] = .string(webSeeds[0])
        } else if webSeeds.count > 1 {
            root["url-list"] = .list(webSeeds.map { .string($0) })
        }
        if let comment { root["comment"] = .string(comment) }
        if let createdBy { root["created by"] = .string(createdBy) }
        if let creationDate { root["creation date"] = .integer(creationDate) }
        return BencodeValue.dict(root).encoded()
    }
}
