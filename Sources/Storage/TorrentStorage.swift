import TorrentCore

/// Where a torrent's bytes live, addressed by piece and offset; ranges may cross file boundaries.
///
/// Implementations are safe to call from several threads at once (a disk or hash pool).
public protocol TorrentStorage: Sendable {
    /// How the torrent's byte stream maps onto files.
    var layout: FileLayout { get }

    /// Fills `buffer` with the bytes starting `offset` bytes into `piece`.
    func read(piece: Int, offset: Int, into buffer: UnsafeMutableRawBufferPointer) throws(StorageError)

    /// Stores `buffer` starting `offset` bytes into `piece`.
    func write(piece: Int, offset: Int, from buffer: UnsafeRawBufferPointer) throws(StorageError)

    /// Stores consecutive whole pieces, `first` and on, one buffer each: a storage may write them
    /// in one go (small pieces otherwise cost a write call each). `stored` counts the pieces, from
    /// `first`, that are whole on disk; after a throw it says which pieces the failure spared.
    func write(pieces first: Int, _ buffers: [UnsafeRawBufferPointer], stored: inout Int) throws(StorageError)

    /// Makes every write that returned before this call durable (it survives a crash of the
    /// machine, not just of the process). Resume data claims a piece only after this.
    func synchronize() throws(StorageError)
}

extension TorrentStorage {
    /// One write per piece.
    public func write(pieces first: Int, _ buffers: [UnsafeRawBufferPointer], stored: inout Int) throws(StorageError) {
        stored = 0
        for (index, buffer) in buffers.enumerated() {
            try write(piece: first + index, offset: 0, from: buffer)
            stored += 1
        }
    }

    /// Stores consecutive whole pieces, `first` and on, one buffer each (see `write(pieces:_:stored:)`).
    public func write(pieces first: Int, _ buffers: [UnsafeRawBufferPointer]) throws(StorageError) {
        var stored = 0
        try write(pieces: first, buffers, stored: &stored)
    }

    /// `length` bytes starting `offset` bytes into `piece`.
    public func read(piece: Int, offset: Int, length: Int) throws(StorageError) -> [UInt8] {
        try checkRange(piece: piece, offset: offset, length: length)
        var bytes = [UInt8](repeating: 0, count: length)
        var failure: StorageError?
        bytes.withUnsafeMutableBytes { buffer in
            do throws(StorageError) { try read(piece: piece, offset: offset, into: buffer) } catch { failure = error }
        }
        if let failure { throw failure }
        return bytes
    }

    /// The whole of `piece`.
    public func readPiece(_ piece: Int) throws(StorageError) -> [UInt8] {
        guard piece >= 0, piece < layout.pieceCount else { throw .outOfRange(piece: piece, offset: 0, length: 0) }
        return try read(piece: piece, offset: 0, length: layout.size(ofPiece: piece))
    }

    /// Stores `bytes` starting `offset` bytes into `piece`.
    public func write(piece: Int, offset: Int, bytes: some Collection<UInt8>) throws(StorageError) {
        var failure: StorageError?
        let done: Void? = bytes.withContiguousStorageIfAvailable { buffer in
            do throws(StorageError) {
                try write(piece: piece, offset: offset, from: UnsafeRawBufferPointer(buffer))
            } catch {
                failure = error
            }
        }
        if done == nil {
            Array(bytes).withUnsafeBytes { buffer in
                do throws(StorageError) { try write(piece: piece, offset: offset, from: buffer) } catch { failure = error }
            }
        }
        if let failure { throw failure }
    }

    /// Throws `outOfRange` unless the range lies inside `piece`.
    public func checkRange(piece: Int, offset: Int, length: Int) throws(StorageError) {
        guard piece >= 0, piece < layout.pieceCount, offset >= 0, length >= 0,
              offset <= layout.size(ofPiece: piece) - length
        else { throw .outOfRange(piece: piece, offset: offset, length: length) }
    }
}
