/// An opaque handle for one peer connection, chosen by the owner of the swarm.
///
/// SwarmLogic never looks inside; it only compares keys, so the engine can use a connection
/// counter, and tests can use small numbers.
public struct PeerKey: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let rawValue: UInt64

    public init(_ rawValue: UInt64) {
        self.rawValue = rawValue
    }

    public static func < (lhs: PeerKey, rhs: PeerKey) -> Bool { lhs.rawValue < rhs.rawValue }

    public var description: String { "peer#\(rawValue)" }
}
