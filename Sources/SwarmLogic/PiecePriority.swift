/// How much the user wants a piece (or a file, whose priority its pieces inherit).
public enum PiecePriority: Int, Hashable, Comparable, Sendable, CaseIterable {
    /// Not downloaded at all.
    case skip = 0
    case low = 1
    case normal = 2
    case high = 3

    public static func < (lhs: PiecePriority, rhs: PiecePriority) -> Bool { lhs.rawValue < rhs.rawValue }

    /// True for every priority except `skip`.
    public var isWanted: Bool { self != .skip }
}
