internal import NIOCore
import WireProtocol

/// Pieces being put together in memory from their blocks, and pieces on their way through the
/// hash and write pools. Together they are bounded by `limit` bytes (a session setting): above it
/// no new requests go out (backpressure) and blocks for pieces not started are not kept, so a
/// slow disk or a peer sending unasked data cannot grow memory without bound.
///
/// Buffers of verified pieces come back (`recycle`) and hold the next pieces: a fresh 1 MiB
/// buffer per piece was zeroed first and, once glibc returned it to the kernel, faulted in again
/// page by page. At most `spareBytes` of them wait for reuse.
struct PieceAssembly {
    private var buffers: [Int: [UInt8]] = [:]
    private var spare: [[UInt8]] = []
    static let spareBytes = 8 << 20
    private(set) var assemblingBytes = 0
    private(set) var verifyingBytes = 0
    private(set) var piecesVerifying = 0
    let limit: Int

    init(limit: Int) {
        self.limit = limit
    }

    /// True while more blocks may be asked for.
    var hasRoom: Bool { assemblingBytes + verifyingBytes < limit }

    /// True when a block of `piece` can be kept: its buffer exists, or there is room for one.
    func accepts(piece: Int) -> Bool { buffers[piece] != nil || hasRoom }

    /// Copies one block into its piece's buffer (made on the first block).
    mutating func store(_ request: BlockRequest, data: ByteBuffer, pieceSize: Int) {
        let piece = request.piece.value
        if buffers[piece] == nil {
            // Every byte is written by a block before the piece is hashed, so no zeroing.
            buffers[piece] = spare.last?.count == pieceSize ? spare.removeLast()
                : [UInt8](unsafeUninitializedCapacity: pieceSize) { _, initialized in initialized = pieceSize }
            assemblingBytes += pieceSize
        }
        data.withUnsafeReadableBytes { source in
            buffers[piece]!.withUnsafeMutableBytes { target in
                guard request.offset + source.count <= target.count, let base = source.baseAddress else { return }
                target.baseAddress!.advanced(by: request.offset).copyMemory(from: base, byteCount: source.count)
            }
        }
    }

    /// Hands over a complete piece for hashing; it counts as verifying until `finished`.
    mutating func takeForVerifying(_ piece: Int) -> [UInt8]? {
        guard let bytes = buffers.removeValue(forKey: piece) else { return nil }
        assemblingBytes -= bytes.count
        verifyingBytes += bytes.count
        piecesVerifying += 1
        return bytes
    }

    /// The hash and write of a piece of `size` bytes ended (either way).
    mutating func finished(size: Int) {
        verifyingBytes -= size
        piecesVerifying -= 1
    }

    /// Keeps the buffer of a piece that is done with for the next piece of the same size.
    mutating func recycle(_ bytes: [UInt8]) {
        if let kept = spare.first?.count, kept != bytes.count { return }
        guard (spare.count + 1) * bytes.count <= max(Self.spareBytes, bytes.count) else { return }
        spare.append(bytes)
    }

    /// Drops every half-assembled piece (recheck, failure).
    mutating func discardAll() {
        buffers.removeAll()
        spare.removeAll()
        assemblingBytes = 0
    }
}
