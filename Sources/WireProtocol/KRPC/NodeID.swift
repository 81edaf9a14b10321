import TorrentCore

/// A DHT node's 160-bit identifier (BEP 5), also used for lookup targets and info-hashes.
public struct NodeID: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// Always 20 bytes, most significant first.
    public let bytes: [UInt8]

    public static let length = 20

    /// Nil unless `bytes` holds exactly 20 bytes.
    public init?(bytes: some Collection<UInt8>) {
        guard bytes.count == Self.length else { return nil }
        self.bytes = Array(bytes)
    }

    /// Orders ids as 160-bit unsigned numbers, which also orders XOR distances.
    public static func < (lhs: NodeID, rhs: NodeID) -> Bool {
        lhs.bytes.lexicographicallyPrecedes(rhs.bytes)
    }

    public var description: String { Hex.encode(bytes) }
}
