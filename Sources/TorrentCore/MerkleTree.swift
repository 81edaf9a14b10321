import Crypto

/// The SHA-256 merkle trees of BitTorrent v2 (BEP 52): one per file, over 16 KiB leaf blocks.
///
/// A leaf is the SHA-256 of one block (the last block of a file may be short); leaves past the end
/// of a file are 32 zero bytes, and every tree is padded to a power-of-two number of leaves. A
/// node is the SHA-256 of its two children side by side. Hashes are kept back to back in flat
/// byte arrays, 32 bytes each.
public enum MerkleTree {
    /// Bytes per leaf block.
    public static let blockSize = 16 * 1024
    /// Bytes per hash.
    public static let hashSize = 32

    /// The leaf hashes of `data`, one per started 16 KiB block.
    public static func leafHashes(of data: UnsafeRawBufferPointer) -> [UInt8] {
        let count = (data.count + blockSize - 1) / blockSize
        var out: [UInt8] = []
        out.reserveCapacity(count * hashSize)
        for block in 0..<count {
            let start = block * blockSize
            let slice = UnsafeRawBufferPointer(rebasing: data[start..<min(data.count, start + blockSize)])
            var hasher = SHA256()
            hasher.update(bufferPointer: slice)
            out += hasher.finalize()
        }
        return out
    }

    /// The leaf hashes of `data`.
    public static func leafHashes(of data: [UInt8]) -> [UInt8] {
        data.withUnsafeBytes { leafHashes(of: $0) }
    }

    /// The root of a tree of `2^height` leaves that are all zero hashes.
    public static func padHash(height: Int) -> [UInt8] {
        var hash = [UInt8](repeating: 0, count: hashSize)
        for _ in 0..<height { hash = node(hash, hash) }
        return hash
    }

    /// The root over `hashes` (32 bytes each), padded to `width` leaves with `pad`.
    /// `width` must be a power of two at least the number of hashes.
    public static func root(of hashes: [UInt8], width: Int, pad: [UInt8]) -> [UInt8] {
        precondition(width > 0 && width & (width - 1) == 0 && hashes.count / hashSize <= width)
        var layer = hashes
        var padding = pad
        var count = width
        while count > 1 {
            var next: [UInt8] = []
            next.reserveCapacity(count / 2 * hashSize)
            let present = layer.count / hashSize
            var index = 0
            while index < present {
                let left = layer[index * hashSize..<(index + 1) * hashSize]
                let right = index + 1 < present ? layer[(index + 1) * hashSize..<(index + 2) * hashSize] : padding[...]
                next += node(left, right)
                index += 2
            }
            padding = node(padding, padding)
            layer = next
            count /= 2
        }
        return layer.isEmpty ? padding : layer
    }

    /// The merkle root of `data` as the piece hash of BEP 52: over `width` leaves, the missing
    /// ones zero.
    public static func root(ofData data: UnsafeRawBufferPointer, width: Int) -> [UInt8] {
        root(of: leafHashes(of: data), width: width, pad: [UInt8](repeating: 0, count: hashSize))
    }

    /// The pieces root of a file whose piece layer is `pieceLayer`, for pieces of `pieceLength` bytes.
    public static func piecesRoot(pieceLayer: [UInt8], pieceLength: Int) -> [UInt8] {
        let pieces = pieceLayer.count / hashSize
        return root(of: pieceLayer, width: nextPowerOfTwo(pieces), pad: padHash(height: log2(pieceLength / blockSize)))
    }

    /// The leaves a piece hash covers for a file of `fileLength` bytes: a whole piece's worth when
    /// the file has a piece layer (it is longer than a piece), otherwise the file's own leaf count
    /// rounded up to a power of two.
    public static func leafWidth(fileLength: Int, pieceLength: Int) -> Int {
        if fileLength > pieceLength { return pieceLength / blockSize }
        return nextPowerOfTwo((fileLength + blockSize - 1) / blockSize)
    }

    /// The indices of the blocks of `data` whose SHA-256 differs from `leaves` (the leaf hashes the
    /// data should have, 32 bytes each, verified by the caller against the piece hash).
    public static func badBlocks(in data: UnsafeRawBufferPointer, leaves: [UInt8]) -> [Int] {
        let actual = leafHashes(of: data)
        var bad: [Int] = []
        for block in 0..<actual.count / hashSize {
            let range = block * hashSize..<(block + 1) * hashSize
            if range.upperBound > leaves.count || !actual[range].elementsEqual(leaves[range]) { bad.append(block) }
        }
        return bad
    }

    /// The smallest power of two at least `value` (1 for 0).
    public static func nextPowerOfTwo(_ value: Int) -> Int {
        var result = 1
        while result < value { result <<= 1 }
        return result
    }

    static func log2(_ value: Int) -> Int { value.trailingZeroBitCount }

    static func node(_ left: some Collection<UInt8>, _ right: some Collection<UInt8>) -> [UInt8] {
        var hasher = SHA256()
        hasher.update(data: Array(left))
        hasher.update(data: Array(right))
        return Array(hasher.finalize())
    }
}
