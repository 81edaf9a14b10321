import Bencode

/// The contents of a torrent's `info` dictionary: what is shared, how it is cut into pieces,
/// and the hash of each piece. Everything here is covered by the info-hash.
public struct TorrentInfo: Sendable {
    /// The suggested name of the file (single-file) or top folder (multi-file).
    public let name: String
    public let pieceLength: Int
    /// The SHA-1 hashes of all pieces, 20 bytes each, back to back; empty for a v2-only torrent.
    public let pieceHashes: [UInt8]
    /// Whether the torrent has a `files` list (and so a folder named `name`).
    public let isMultiFile: Bool
    /// BEP 27: peers come from the trackers only (no DHT, PEX or LSD).
    public let isPrivate: Bool
    /// Which BitTorrent versions the `info` dictionary describes (BEP 52).
    public let version: MetaVersion
    public let layout: FileLayout
    /// The 20-byte name of the torrent on the wire, in trackers and the DHT: the SHA-1 info-hash,
    /// or for a v2-only torrent the SHA-256 one truncated to 20 bytes.
    public let infoHash: InfoHash
    /// The SHA-256 info-hash of a v2 or hybrid torrent.
    public let infoHashV2: InfoHashV2?
    /// The merkle roots and piece layers of a v2 or hybrid torrent.
    public internal(set) var v2: V2Hashes?
    /// The exact bencoded bytes of the `info` dictionary, as served to peers by BEP 9.
    public let rawInfo: [UInt8]
    /// Things a client can accept but a user may want to know (odd piece lengths, odd names).
    public let warnings: [String]

    public var files: [TorrentFile] { layout.files }
    public var totalLength: Int { layout.totalLength }
    public var pieceCount: Int { layout.pieceCount }

    /// BEP 52 hybrid torrents carry both a v1 and a v2 description of the same files.
    public var isHybrid: Bool { version == .hybrid }

    /// The expected SHA-1 of `piece` (v1 and hybrid torrents only).
    public func hash(ofPiece piece: Int) -> ArraySlice<UInt8> {
        pieceHashes[piece * 20..<piece * 20 + 20]
    }

    /// Parses raw `info` bytes, for example metadata received from peers.
    public init(rawInfo: [UInt8]) throws(MetainfoError) {
        let value: BencodeValue
        do {
            value = try BencodeDecoder().decode(rawInfo)
        } catch {
            throw .notBencode(error.description)
        }
        try self.init(value: value, rawInfo: rawInfo)
    }

    /// Parses a decoded `info` dictionary whose original bytes are `rawInfo`.
    public init(value: BencodeValue, rawInfo: [UInt8]) throws(MetainfoError) {
        guard value.dictionary != nil else { throw .wrongType(field: "info", expected: "a dictionary") }
        var warnings: [String] = []

        let name = try Self.text(value, "name", utf8Key: "name.utf-8", warnings: &warnings)
        try SafePath.validate([name])

        let metaVersion = value["meta version"]?.integer
        if let metaVersion, metaVersion != 2 { throw .unsupportedMetaVersion(metaVersion) }
        let hasV1 = value["pieces"] != nil || metaVersion == nil
        let hasV2 = metaVersion == 2

        guard let rawPieceLength = value["piece length"] else { throw .missingField("piece length") }
        guard let pieceLength64 = rawPieceLength.integer else {
            throw .wrongType(field: "piece length", expected: "an integer")
        }
        guard pieceLength64 > 0, pieceLength64 <= 1 << 30 else { throw .invalidPieceLength(pieceLength64) }
        let pieceLength = Int(pieceLength64)
        if hasV2, pieceLength & (pieceLength - 1) != 0 || pieceLength < MerkleTree.blockSize {
            throw .invalidPieceLength(pieceLength64)
        }
        if pieceLength & (pieceLength - 1) != 0 {
            warnings.append("the piece length \(pieceLength) is not a power of two")
        } else if pieceLength < 16 * 1024 {
            warnings.append("the piece length \(pieceLength) is below 16 KiB")
        }

        var v1: (layout: FileLayout, pieces: [UInt8], isMultiFile: Bool)?
        if hasV1 {
            v1 = try Self.parseV1(value, name: name, pieceLength: pieceLength, warnings: &warnings)
        }
        var v2: (layout: FileLayout, roots: [[UInt8]?], isMultiFile: Bool)?
        if hasV2 {
            guard let tree = value["file tree"] else { throw .missingField("file tree") }
            v2 = try Self.parseV2(tree, name: name, pieceLength: pieceLength, isMultiFile: v1?.isMultiFile)
        }
        let layout: FileLayout
        let isMultiFile: Bool
        if let v1 {
            if let v2 { try Self.checkHalvesAgree(v1: v1.layout, v2: v2.layout) }
            layout = v1.layout
            isMultiFile = v1.isMultiFile
        } else {
            layout = v2!.layout
            isMultiFile = v2!.isMultiFile
        }

        self.name = name
        self.pieceLength = pieceLength
        self.pieceHashes = v1?.pieces ?? []
        self.isMultiFile = isMultiFile
        self.isPrivate = value["private"]?.integer == 1
        self.version = v1 == nil ? .v2 : (v2 == nil ? .v1 : .hybrid)
        self.layout = layout
        self.rawInfo = rawInfo
        let hashV2 = hasV2 ? InfoHashV2(hashingInfo: rawInfo) : nil
        self.infoHashV2 = hashV2
        self.infoHash = v1 == nil ? hashV2!.truncated : InfoHash(hashingInfo: rawInfo)
        if let v2 {
            // The v1 layout of a hybrid has the same data files at the same offsets; map the roots.
            self.v2 = V2Hashes(fileRoots: Self.roots(of: v2, onto: layout), layout: layout)
        } else {
            self.v2 = nil
        }
        self.warnings = warnings
    }

    // MARK: - The v1 half

    private static func parseV1(_ value: BencodeValue, name: String, pieceLength: Int,
                                warnings: inout [String]) throws(MetainfoError)
        -> (layout: FileLayout, pieces: [UInt8], isMultiFile: Bool) {
        guard let piecesValue = value["pieces"] else { throw .missingField("pieces") }
        guard let pieces = piecesValue.bytes else { throw .wrongType(field: "pieces", expected: "a byte string") }
        guard pieces.count % 20 == 0 else { throw .invalidPiecesLength(pieces.count) }

        var files: [TorrentFile] = []
        let isMultiFile: Bool
        if let list = value["files"] {
            guard let entries = list.list else { throw .wrongType(field: "files", expected: "a list") }
            isMultiFile = true
            files = try Self.parseFiles(entries, name: name, warnings: &warnings)
        } else if let length = value["length"] {
            guard let length64 = length.integer else { throw .wrongType(field: "length", expected: "an integer") }
            guard length64 >= 0, length64 < 1 << 52 else { throw .invalidFileLength(path: name, length: length64) }
            isMultiFile = false
            files = [TorrentFile(path: [name], length: Int(length64), offset: 0)]
        } else {
            throw .missingField("length or files")
        }

        let layout = FileLayout(files: files, pieceLength: pieceLength)
        guard layout.totalLength > 0 else { throw .emptyTorrent }
        guard layout.pieceCount == pieces.count / 20 else {
            throw .pieceCountMismatch(expected: layout.pieceCount, actual: pieces.count / 20)
        }
        return (layout, pieces, isMultiFile)
    }

    // MARK: - Files

    private static func parseFiles(_ entries: [BencodeValue], name: String,
                                   warnings: inout [String]) throws(MetainfoError) -> [TorrentFile] {
        var files: [TorrentFile] = []
        files.reserveCapacity(entries.count)
        var offset = 0
        var paths = PathTable(capacity: entries.count)
        for entry in entries {
            guard entry.dictionary != nil else { throw .wrongType(field: "files", expected: "a list of dictionaries") }
            let pathValue = entry["path.utf-8"]?.list ?? entry["path"]?.list
            guard let pathValue else { throw .missingField("files/path") }
            var components: [String] = []
            for part in pathValue {
                guard let bytes = part.bytes else { throw .wrongType(field: "files/path", expected: "a list of strings") }
                components.append(String(decoding: bytes, as: UTF8.self))
            }
            let shown = ([name] + components).joined(separator: "/")
            guard !components.isEmpty else { throw .unsafePath(shown, reason: "it is empty") }
            for component in components { try SafePath.validate(component: component, in: shown) }

            guard let length64 = entry["length"]?.integer else { throw .missingField("files/length") }
            guard length64 >= 0, length64 < 1 << 52 else { throw .invalidFileLength(path: shown, length: length64) }
            let length = Int(length64)
            let (sum, overflow) = offset.addingReportingOverflow(length)
            guard !overflow, sum < 1 << 53 else { throw .totalTooLarge }

            let attributes = entry["attr"]?.bytes ?? []
            let isPadding = attributes.contains(UInt8(ascii: "p"))
                || components.first == ".pad"
                || components.last?.hasPrefix("_____padding_file_") == true
            let path = [name] + components
            if !isPadding {
                // A file may not share a path with another file, nor stand where another has a folder.
                if let clash = paths.insertFile(path) { throw .duplicatePath(path.prefix(clash).joined(separator: "/")) }
            }
            files.append(TorrentFile(path: path, length: length, offset: offset, isPadding: isPadding,
                                     isExecutable: attributes.contains(UInt8(ascii: "x")),
                                     isHidden: attributes.contains(UInt8(ascii: "h"))))
            offset = sum
        }
        return files
    }

    private static func text(_ dict: BencodeValue, _ key: String, utf8Key: String,
                             warnings: inout [String]) throws(MetainfoError) -> String {
        if let preferred = dict[utf8Key]?.text { return preferred }
        guard let value = dict[key] else { throw .missingField(key) }
        guard let bytes = value.bytes else { throw .wrongType(field: key, expected: "a string") }
        if let text = String(validating: bytes, as: UTF8.self) { return text }
        warnings.append("the '\(key)' field is not valid UTF-8; unreadable characters were replaced")
        return String(decoding: bytes, as: UTF8.self)
    }
}

// MARK: - Path clashes

/// The files and folders of a torrent seen so far, each entry named by its folder's number and its
/// last component, so checking a path costs its depth. (Sets of whole prefixes cost the depth
/// squared: one file 20,000 folders deep, in a 60 KB torrent, took gigabytes.)
private struct PathTable {
    private struct Entry: Hashable {
        let folder: Int
        let name: String
    }

    /// Folder number by entry; 0 is the root, above the torrent's name.
    private var folders: [Entry: Int]
    private var files: Set<Entry>

    /// Sized for `capacity` files up front: a torrent of 200,000 files otherwise spends a tenth of
    /// its parse regrowing the tables.
    init(capacity: Int) {
        files = Set(minimumCapacity: capacity)
        folders = Dictionary(minimumCapacity: min(capacity, 1 << 16))
    }

    /// Records a file. On a clash returns how many leading components of `path` name the file (or,
    /// for the whole path, the file or folder) already there; the torrent is refused then.
    mutating func insertFile(_ path: [String]) -> Int? {
        guard let last = path.last else { return nil }
        var folder = 0
        for (depth, component) in path.dropLast().enumerated() {
            let entry = Entry(folder: folder, name: component)
            if files.contains(entry) { return depth + 1 }
            if let known = folders[entry] {
                folder = known
            } else {
                folder = folders.count + 1
                folders[entry] = folder
            }
        }
        let entry = Entry(folder: folder, name: last)
        guard folders[entry] == nil, files.insert(entry).inserted else { return path.count }
        return nil
    }
}
