import Bencode
import Crypto

extension TorrentInfo {
    /// Whether every piece can be checked now: always for v1; for v2 once every piece layer is known.
    public var hasAllPieceHashes: Bool { v2?.hasAllPieceLayers ?? true }

    /// Whether `data`, the whole of `piece`, matches every hash the torrent has for it: SHA-1 for
    /// v1, the merkle root for v2, both for a hybrid.
    public func pieceMatches(_ piece: Int, data: UnsafeRawBufferPointer) -> Bool {
        if !pieceHashes.isEmpty {
            var hasher = Insecure.SHA1()
            hasher.update(bufferPointer: data)
            guard hasher.finalize().elementsEqual(hash(ofPiece: piece)) else { return false }
        }
        // A hybrid whose piece layers are not known yet relies on its v1 hashes meanwhile.
        if let v2, pieceHashes.isEmpty || v2.expectedHash(ofPiece: piece) != nil {
            return v2.matches(piece: piece, data: data)
        }
        return !pieceHashes.isEmpty
    }

    /// The same torrent with the piece layers found in `layers` (a `.torrent` file's `piece layers`
    /// or hashes from peers), each checked against its file's root. A layer that does not match is
    /// refused with the file it claims to belong to.
    public func withPieceLayers(_ layers: [[UInt8]: [UInt8]]) throws(MetainfoError) -> TorrentInfo {
        guard var hashes = v2 else { return self }
        for index in hashes.filesNeedingLayers {
            guard let root = hashes.fileRoots[index], let layer = layers[root] else { continue }
            guard hashes.addPieceLayer(layer, forFile: index) else {
                throw .badPieceLayer(layout.files[index].displayPath)
            }
        }
        var copy = self
        copy.v2 = hashes
        return copy
    }

    // MARK: - Parsing the v2 half

    /// The stream layout of a v2 file tree: files in tree order, each starting on a piece boundary
    /// (padding fills the gaps, as in a hybrid's v1 half). A tree of one file at the top is a
    /// single-file torrent unless the v1 half of a hybrid (`isMultiFile`) says otherwise.
    static func parseV2(_ tree: BencodeValue, name: String, pieceLength: Int, isMultiFile given: Bool?)
        throws(MetainfoError) -> (layout: FileLayout, roots: [[UInt8]?], isMultiFile: Bool) {
        let entries = try FileTree.parse(tree, name: name)
        let isMultiFile = given ?? !(entries.count == 1 && entries[0].path.count == 1)
        var files: [TorrentFile] = []
        var roots: [[UInt8]?] = []
        var offset = 0
        for (index, entry) in entries.enumerated() {
            let path = isMultiFile ? [name] + entry.path : entry.path
            files.append(TorrentFile(path: path, length: entry.length, offset: offset,
                                     isExecutable: entry.attributes.contains(UInt8(ascii: "x")),
                                     isHidden: entry.attributes.contains(UInt8(ascii: "h"))))
            roots.append(entry.piecesRoot)
            let (sum, overflow) = offset.addingReportingOverflow(entry.length)
            guard !overflow, sum < 1 << 53 else { throw .totalTooLarge }
            offset = sum
            let tail = offset % pieceLength
            if tail != 0, index < entries.count - 1 {
                let pad = pieceLength - tail
                files.append(TorrentFile(path: [name, ".pad", String(pad)], length: pad, offset: offset, isPadding: true))
                roots.append(nil)
                offset += pad
            }
        }
        let layout = FileLayout(files: files, pieceLength: pieceLength)
        guard layout.totalLength > 0 else { throw .emptyTorrent }
        return (layout, roots, isMultiFile)
    }

    /// A hybrid's two halves must name the same files, with the same sizes, at the same places in
    /// the piece stream; otherwise v1 and v2 peers would be sent different data for one torrent.
    static func checkHalvesAgree(v1: FileLayout, v2: FileLayout) throws(MetainfoError) {
        func dataFiles(_ layout: FileLayout) -> [TorrentFile] { layout.files.filter { !$0.isPadding && $0.length > 0 } }
        func emptyFiles(_ layout: FileLayout) -> [[String]] {
            layout.files.filter { !$0.isPadding && $0.length == 0 }.map(\.path)
        }
        let first = dataFiles(v1)
        let second = dataFiles(v2)
        guard first.count == second.count else {
            throw .hybridMismatch("the v1 half lists \(first.count) files, the v2 half \(second.count)")
        }
        for (one, two) in zip(first, second) {
            guard one.path == two.path else {
                throw .hybridMismatch("'\(one.displayPath)' in the v1 half is '\(two.displayPath)' in the v2 half")
            }
            guard one.length == two.length, one.offset == two.offset else {
                throw .hybridMismatch("'\(one.displayPath)' has a different size or place in the two halves")
            }
        }
        guard Set(emptyFiles(v1)) == Set(emptyFiles(v2)) else {
            throw .hybridMismatch("the two halves list different empty files")
        }
        guard v1.pieceCount == v2.pieceCount else {
            throw .hybridMismatch("the v1 half has \(v1.pieceCount) pieces, the v2 half \(v2.pieceCount)")
        }
    }

    /// The v2 roots placed on the files of `layout` (the v1 layout of a hybrid, or the v2 one).
    static func roots(of v2: (layout: FileLayout, roots: [[UInt8]?], isMultiFile: Bool),
                      onto layout: FileLayout) -> [[UInt8]?] {
        var byPlace: [Int: [UInt8]] = [:]
        for (index, file) in v2.layout.files.enumerated() where file.length > 0 {
            if let root = v2.roots[index] { byPlace[file.offset] = root }
        }
        return layout.files.map { file in file.isPadding || file.length == 0 ? nil : byPlace[file.offset] }
    }
}

extension Metainfo {
    /// The `piece layers` dictionary of a `.torrent` file: pieces root to piece layer.
    static func pieceLayers(in root: BencodeValue) throws(MetainfoError) -> [[UInt8]: [UInt8]] {
        guard let value = root["piece layers"] else { return [:] }
        guard let entries = value.dictionary else { throw .wrongType(field: "piece layers", expected: "a dictionary") }
        var layers: [[UInt8]: [UInt8]] = [:]
        for (key, layer) in entries {
            guard let bytes = layer.bytes else { throw .wrongType(field: "piece layers", expected: "byte strings") }
            layers[key] = bytes
        }
        return layers
    }
}
