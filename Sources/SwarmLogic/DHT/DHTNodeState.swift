/// How much a routing-table entry can be trusted (BEP 5).
public enum DHTNodeState: Hashable, Sendable {
    /// Answered one of our queries in the last 15 minutes, or has answered before and queried
    /// us in the last 15 minutes.
    case good
    /// Silent for 15 minutes; ping it before relying on it or evicting it.
    case questionable
    /// Failed to answer several queries in a row; the first to be replaced.
    case bad
}
