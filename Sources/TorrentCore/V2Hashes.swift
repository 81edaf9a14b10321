/// The BitTorrent v2 hashes of a torrent (BEP 52): each file's merkle root and, for files longer
/// than a piece, the piece layer of that tree.
///
/// The roots are covered by the info-hash; the piece layers are not (they sit outside `info` in a
/// `.torrent` file, or come from peers after a magnet link), so every layer is checked against its
/// file's root before it is kept.
public struct V2Hashes: Sendable {
    /// The pieces root of each file of the layout, by file index; nil for padding and empty files.
    public let fileRoots: [[UInt8]?]
    /// Piece layers by pieces root, 32 bytes per piece of the file.
    public private(set) var pieceLayers: [[UInt8]: [UInt8]]
    /// The layout file each piece lies in.
    let pieceFiles: [Int32]
    let layout: FileLayout

    init(fileRoots: [[UInt8]?], layout: FileLayout) {
        self.fileRoots = fileRoots
        self.layout = layout
        self.pieceLayers = [:]
        var pieceFiles = [Int32](repeating: 0, count: layout.pieceCount)
        for index in layout.files.indices where fileRoots[index] != nil {
            for piece in layout.pieces(ofFile: index) { pieceFiles[piece] = Int32(index) }
        }
        self.pieceFiles = pieceFiles
    }

    /// The indices of files that need a piece layer (longer than one piece).
    public var filesNeedingLayers: [Int] {
        layout.files.indices.filter { fileRoots[$0] != nil && layout.files[$0].length > layout.pieceLength }
    }

    /// Whether every piece layer the torrent needs is known.
    public var hasAllPieceLayers: Bool {
        filesNeedingLayers.allSatisfy { pieceLayers[fileRoots[$0]!] != nil }
    }

    /// The number of pieces of file `index` (its piece layer has this many hashes).
    public func pieceCount(ofFile index: Int) -> Int {
        layout.pieces(ofFile: index).count
    }

    /// Keeps `layer` as the piece layer of file `index` if it hashes to the file's root.
    @discardableResult
    public mutating func addPieceLayer(_ layer: [UInt8], forFile index: Int) -> Bool {
        guard let root = fileRoots[index], layout.files[index].length > layout.pieceLength,
              layer.count == pieceCount(ofFile: index) * MerkleTree.hashSize,
              MerkleTree.piecesRoot(pieceLayer: layer, pieceLength: layout.pieceLength) == root
        else { return false }
        pieceLayers[root] = layer
        return true
    }

    /// The file whose pieces root is `root`, if any.
    public func file(withRoot root: [UInt8]) -> Int? {
        fileRoots.firstIndex { $0 == root }
    }

    /// Where `piece` lies in its file's tree: the file, the piece's number within the file, how many
    /// of its bytes belong to the file, and how many leaves its hash covers.
    public func position(ofPiece piece: Int) -> (file: Int, pieceInFile: Int, dataLength: Int, leafWidth: Int) {
        let fileIndex = Int(pieceFiles[piece])
        let file = layout.files[fileIndex]
        let start = piece * layout.pieceLength
        let dataLength = min(layout.size(ofPiece: piece), file.offset + file.length - start)
        return (fileIndex, (start - file.offset) / layout.pieceLength, dataLength,
                MerkleTree.leafWidth(fileLength: file.length, pieceLength: layout.pieceLength))
    }

    /// The expected merkle root of `piece`'s data, or nil while its file's piece layer is unknown.
    public func expectedHash(ofPiece piece: Int) -> [UInt8]? {
        let place = position(ofPiece: piece)
        guard let root = fileRoots[place.file] else { return nil }
        guard layout.files[place.file].length > layout.pieceLength else { return root }
        guard let layer = pieceLayers[root] else { return nil }
        let start = place.pieceInFile * MerkleTree.hashSize
        return Array(layer[start..<start + MerkleTree.hashSize])
    }

    /// Whether `data` (the whole piece as the stream holds it, padding included) matches its hash.
    public func matches(piece: Int, data: UnsafeRawBufferPointer) -> Bool {
        guard let expected = expectedHash(ofPiece: piece) else { return false }
        let place = position(ofPiece: piece)
        guard data.count >= place.dataLength else { return false }
        let fileData = UnsafeRawBufferPointer(rebasing: data[0..<place.dataLength])
        return MerkleTree.root(ofData: fileData, width: place.leafWidth) == expected
    }

    /// The blocks of `piece` that differ from `leaves`, the leaf hashes a peer sent for it, once
    /// those leaves are shown to hash to the piece's known hash; nil when they do not (the peer lied).
    public func badBlocks(piece: Int, data: UnsafeRawBufferPointer, leaves: [UInt8]) -> [Int]? {
        guard let expected = expectedHash(ofPiece: piece) else { return nil }
        let place = position(ofPiece: piece)
        guard leaves.count == place.leafWidth * MerkleTree.hashSize,
              MerkleTree.root(of: leaves, width: place.leafWidth, pad: [UInt8](repeating: 0, count: 32)) == expected,
              data.count >= place.dataLength
        else { return nil }
        return MerkleTree.badBlocks(in: UnsafeRawBufferPointer(rebasing: data[0..<place.dataLength]), leaves: leaves)
    }
}

extension V2Hashes {
    /// The layer number of piece hashes in every file's tree: log2 of the blocks per piece.
    public var pieceLayerHeight: Int { (layout.pieceLength / MerkleTree.blockSize).trailingZeroBitCount }

    /// The piece layer of the file with `root`, padded to a power of two with the hash of an empty
    /// piece, as it stands in the tree; nil when that layer is not known.
    public func paddedPieceLayer(root: [UInt8]) -> [UInt8]? {
        guard let layer = pieceLayers[root] else { return nil }
        let count = layer.count / MerkleTree.hashSize
        let pad = MerkleTree.padHash(height: pieceLayerHeight)
        var padded = layer
        for _ in count..<MerkleTree.nextPowerOfTwo(count) { padded += pad }
        return padded
    }

    /// The hashes answering a BEP 52 hash request for `count` piece-layer hashes from `index` of the
    /// file with `root`, when they need no proof hashes (`proofLayers` inside the range asked for);
    /// nil for anything else, which is refused with a `hash reject`.
    public func pieceLayerHashes(root: [UInt8], baseLayer: Int, index: Int, count: Int, proofLayers: Int) -> [UInt8]? {
        guard baseLayer == pieceLayerHeight, count > 0, count <= 8192, index >= 0,
              // libtorrent's reading: max(0, proofLayers - log2(count) + 1) uncle hashes follow.
              proofLayers < MerkleTree.nextPowerOfTwo(count).trailingZeroBitCount,
              let padded = paddedPieceLayer(root: root)
        else { return nil }
        let width = padded.count / MerkleTree.hashSize
        guard index + count <= width else { return nil }
        return Array(padded[index * MerkleTree.hashSize..<(index + count) * MerkleTree.hashSize])
    }
}
