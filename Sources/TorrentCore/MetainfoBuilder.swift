import Bencode

/// Assembles the bytes of a new `.torrent` file from files and their piece hashes.
public struct MetainfoBuilder: Sendable {
    /// One file to include, with its path below the torrent's name folder.
    public struct Entry: Sendable {
        public var path: [String]
        public var length: Int
        /// The file's v2 merkle root (BEP 52); nil for v1-only torrents, empty and padding files.
        public var piecesRoot: [UInt8]?
        /// A BEP 47 padding file (in the v1 half of a hybrid), left out of the v2 file tree.
        public var isPadding: Bool
        public init(path: [String], length: Int, piecesRoot: [UInt8]? = nil, isPadding: Bool = false) {
            self.path = path
            self.length = length
            self.piecesRoot = piecesRoot
            self.isPadding = isPadding
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
    /// Which halves to write: the v1 `pieces` and `files`, the v2 `file tree`, or both.
    public var version: MetaVersion = .v1
    /// The v2 root of the one file of a single-file torrent.
    public var singleFileRoot: [UInt8]?
    /// v2 piece layers by pieces root, written outside `info`.
    public var pieceLayers: [[UInt8]: [UInt8]] = [:]

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

    /// The bencoded `info` dictionary for the given piece hashes (20 bytes each; unused for v2 only).
    public func infoValue(pieceHashes: [UInt8]) -> BencodeValue {
        var info: [String: BencodeValue] = [
            "name": .string(name),
            "piece length": .integer(Int64(pieceLength)),
        ]
        if version != .v2 {
            info["pieces"] = .bytes(pieceHashes)
            if let files {
                info["files"] = .list(files.map { entry in
                    var file: [String: BencodeValue] = ["length": .integer(Int64(entry.length)),
                                                        "path": .list(entry.path.map { .string($0) })]
                    if entry.isPadding { file["attr"] = .string("p") }
                    return .dict(file)
                })
            } else {
                info["length"] = .integer(Int64(singleFileLength))
            }
        }
        if version != .v1 {
            info["meta version"] = .integer(2)
            info["file tree"] = fileTree()
        }
        if isPrivate { info["private"] = .integer(1) }
        return .dict(info)
    }

    /// The v2 `file tree`: nested folders, each file a dictionary under the empty key.
    private func fileTree() -> BencodeValue {
        func leaf(_ length: Int, _ root: [UInt8]?) -> BencodeValue {
            var entry: [String: BencodeValue] = ["length": .integer(Int64(length))]
            if let root, length > 0 { entry["pieces root"] = .bytes(root) }
            return .dict(["": .dict(entry)])
        }
        guard let files else { return .dict([name: leaf(singleFileLength, singleFileRoot)]) }
        var tree = FolderNode()
        for entry in files where !entry.isPadding {
            tree.insert(entry.path[...], leaf(entry.length, entry.piecesRoot))
        }
        return tree.value
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
        if !pieceLayers.isEmpty { root["piece layers"] = .dictionary(pieceLayers.mapValues { .bytes($0) }) }
        if let comment { root["comment"] = .string(comment) }
        if let createdBy { root["created by"] = .string(createdBy) }
        if let creationDate { root["creation date"] = .integer(creationDate) }
        return BencodeValue.dict(root).encoded()
    }
}

/// A folder of a v2 file tree being built.
private struct FolderNode {
    var folders: [String: FolderNode] = [:]
    var files: [String: BencodeValue] = [:]

    mutating func insert(_ path: ArraySlice<String>, _ leaf: BencodeValue) {
        guard let first = path.first else { return }
        if path.count == 1 {
            files[first] = leaf
        } else {
            folders[first, default: FolderNode()].insert(path.dropFirst(), leaf)
        }
    }

    var value: BencodeValue {
        var entries = files
        for (name, folder) in folders { entries[name] = folder.value }
        return .dict(entries)
    }
}
