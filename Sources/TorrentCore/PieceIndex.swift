/// The index of a piece in a torrent; never negative.
public struct PieceIndex: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let value: Int

    /// Wraps a non-negative index; nil for a negative one.
    public init?(_ value: Int) {
        guard value >= 0 else { return nil }
        self.value = value
    }

    /// Wraps an index the caller has already bounded (a loop over `0..<pieceCount`).
    public init(checked value: Int) {
        precondition(value >= 0, "piece index must not be negative")
        self.value = value
    }

    public static func < (lhs: PieceIndex, rhs: PieceIndex) -> Bool { lhs.value < rhs.value }

    public var description: String { String(value) }
}
