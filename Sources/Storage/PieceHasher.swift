import Crypto
import Dispatch
import TorrentCore

/// SHA-1 of a torrent's pieces, read from storage and hashed on several threads at once.
///
/// Each worker claims the next unhashed piece and reads it into its own buffer, reused for every
/// piece. Calls block until all pieces are done: run them on a thread of their own, not on an
/// event loop or in Swift concurrency's cooperative pool.
public enum PieceHasher {
    /// Reports `done` of `total` pieces. Called from the worker threads, one call at a time with
    /// rising counts, at most about a hundred times per run plus once at the end; keep it short.
    public typealias Progress = @Sendable (_ done: Int, _ total: Int) -> Void

    /// One thread per processor.
    public static var defaultThreads: Int { Posix.processorCount }

    /// The 20-byte SHA-1 digests of all pieces of `storage`, back to back (the `pieces` field of a
    /// torrent). Any read error, including a missing or short file, stops the run and is thrown.
    public static func hashPieces(storage: some TorrentStorage, threads: Int = defaultThreads,
                                  progress: Progress? = nil) throws(StorageError) -> [UInt8] {
        try run(storage: storage, threads: threads, progress: progress, toleratingMissingData: false).digests
    }

    /// Where each piece's file data ends and how many merkle leaves its hash covers (BEP 52).
    public struct MerkleGeometry: Sendable {
        public var dataLength: Int
        public var leafWidth: Int
        public init(dataLength: Int, leafWidth: Int) {
            self.dataLength = dataLength
            self.leafWidth = leafWidth
        }
    }

    /// The v2 merkle root of every piece, 32 bytes each back to back, plus the SHA-1s (20 bytes
    /// each) when `sha1` is set (a hybrid torrent); each piece is read once for both.
    public static func hashPieces(storage: some TorrentStorage, merkle geometry: [MerkleGeometry], sha1: Bool,
                                  threads: Int = defaultThreads, progress: Progress? = nil)
        throws(StorageError) -> (sha1: [UInt8], merkle: [UInt8]) {
        precondition(geometry.count == storage.layout.pieceCount)
        let result = try run(storage: storage, threads: threads, progress: progress, toleratingMissingData: false,
                             merkle: geometry, sha1: sha1)
        return (sha1 ? result.digests : [], result.merkle)
    }

    /// Which pieces of `storage` match the hashes in `info`. A piece whose data is missing or
    /// short is simply not valid; other read errors (a failing disk) are thrown. Pieces in
    /// `skipping` (known to be missing) are counted as done and not valid, without a read.
    public static func verify(info: TorrentInfo, storage: some TorrentStorage, threads: Int = defaultThreads,
                              progress: Progress? = nil, skipping: Bitfield? = nil) throws(StorageError) -> Bitfield {
        precondition(storage.layout.pieceCount == info.pieceCount, "storage and torrent disagree on the piece count")
        let result = try run(storage: storage, threads: threads, progress: progress, toleratingMissingData: true,
                             sha1: false, checking: info, skipping: skipping)
        var valid = Bitfield(count: info.pieceCount)
        for piece in 0..<info.pieceCount where result.readable[piece] { valid[piece] = true }
        return valid
    }

    /// The SHA-1 digest of `bytes`.
    public static func sha1(_ bytes: UnsafeRawBufferPointer) -> [UInt8] {
        var hasher = Insecure.SHA1()
        hasher.update(bufferPointer: bytes)
        return Array(hasher.finalize())
    }

    // MARK: - The worker pool

    private struct Shared: Sendable {
        var next = 0
        var done = 0
        var nextReport = 0
        var failure: StorageError?
    }

    /// Memory the workers fill in place, each at its own pieces' positions.
    private struct Output: @unchecked Sendable {
        let digests: UnsafeMutableBufferPointer<UInt8>
        let readable: UnsafeMutableBufferPointer<Bool>
        let merkle: UnsafeMutableBufferPointer<UInt8>
    }

    /// Hashes every piece. With `info`, each piece is checked against the torrent's hashes (SHA-1,
    /// merkle or both) and `readable` says which matched; otherwise `digests` holds the SHA-1s (when
    /// `sha1`) and `merkle` the v2 roots (when `geometry` is given).
    private static func run(storage: some TorrentStorage, threads: Int, progress: Progress?,
                            toleratingMissingData: Bool, merkle geometry: [MerkleGeometry]? = nil, sha1: Bool = true,
                            checking info: TorrentInfo? = nil, skipping: Bitfield? = nil) throws(StorageError)
        -> (digests: [UInt8], readable: [Bool], merkle: [UInt8]) {
        let layout = storage.layout
        let total = layout.pieceCount
        guard total > 0 else { return ([], [], []) }
        let merkleCount = geometry == nil ? 0 : total * 32
        let output = Output(digests: .allocate(capacity: total * 20), readable: .allocate(capacity: total),
                            merkle: .allocate(capacity: merkleCount))
        output.digests.initialize(repeating: 0)
        output.readable.initialize(repeating: false)
        output.merkle.initialize(repeating: 0)
        defer {
            output.digests.deallocate()
            output.readable.deallocate()
            output.merkle.deallocate()
        }
        let step = max(1, total / 100)
        let shared = Locked(Shared())
        let workers = min(max(1, threads), total)

        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: layout.pieceLength, alignment: 64)
            defer { buffer.deallocate() }
            var finished = 0
            while true {
                // Hand in the piece just finished and claim the next one in the same lock.
                let claimed: Int? = shared.withLock { state in
                    state.done += finished
                    if finished > 0, state.done >= state.nextReport || state.done == total {
                        state.nextReport = state.done + step
                        progress?(state.done, total)
                    }
                    guard state.failure == nil, state.next < total else { return nil }
                    state.next += 1
                    return state.next - 1
                }
                guard let piece = claimed else { return }
                finished = 1
                if let skipping, skipping[piece] { continue }
                let slice = UnsafeMutableRawBufferPointer(rebasing: buffer[0..<layout.size(ofPiece: piece)])
                do throws(StorageError) {
                    try storage.read(piece: piece, offset: 0, into: slice)
                } catch {
                    if toleratingMissingData && error.isMissingData { continue }
                    shared.withLock { state in
                        if state.failure == nil { state.failure = error }
                    }
                    return
                }
                if let info {
                    output.readable[piece] = info.pieceMatches(piece, data: UnsafeRawBufferPointer(slice))
                    continue
                }
                if let geometry {
                    let place = geometry[piece]
                    let data = UnsafeRawBufferPointer(rebasing: slice[0..<place.dataLength])
                    let root = MerkleTree.root(ofData: data, width: place.leafWidth)
                    for (offset, byte) in root.enumerated() { output.merkle[piece * 32 + offset] = byte }
                }
                output.readable[piece] = true
                guard sha1 else { continue }
                var hasher = Insecure.SHA1()
                hasher.update(bufferPointer: UnsafeRawBufferPointer(slice))
                hasher.finalize().withUnsafeBytes { digest in
                    UnsafeMutableRawPointer(output.digests.baseAddress! + piece * 20)
                        .copyMemory(from: digest.baseAddress!, byteCount: 20)
                }
            }
        }

        if let failure = shared.withLock({ $0.failure }) { throw failure }
        return (Array(output.digests), Array(output.readable), Array(output.merkle))
    }
}
