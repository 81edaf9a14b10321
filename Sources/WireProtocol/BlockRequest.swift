import TorrentCore

/// A byte range of one piece, as carried by `request`, `cancel` and `reject` messages.
public struct BlockRequest: Hashable, Sendable, CustomStringConvertible {
    public var piece: PieceIndex
    /// Byte offset into the piece.
    public var offset: Int
    /// Number of bytes, usually 16 KiB.
    public var length: Int

    public init(piece: PieceIndex, offset: Int, length: Int) {
        self.piece = piece
        self.offset = offset
        self.length = length
    }

    public var description: String { "piece \(piece) [\(offset)+\(length)]" }
}
