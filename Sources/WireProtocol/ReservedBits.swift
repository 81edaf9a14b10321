/// The eight reserved handshake bytes, read as one big-endian 64-bit field of capability flags.
///
/// Unknown bits are kept, so a handshake round-trips unchanged.
public struct ReservedBits: OptionSet, Hashable, Sendable {
    public var rawValue: UInt64

    public init(rawValue: UInt64) {
        self.rawValue = rawValue
    }

    /// BEP 10 extension protocol: `reserved[5] & 0x10`.
    public static let extensionProtocol = ReservedBits(rawValue: 0x10 << 16)
    /// BEP 6 fast extension: `reserved[7] & 0x04`.
    public static let fastExtension = ReservedBits(rawValue: 0x04)
    /// BEP 52 BitTorrent v2 support: `reserved[7] & 0x10`.
    public static let v2 = ReservedBits(rawValue: 0x10)
    /// BEP 5 DHT (the peer accepts `port` messages): `reserved[7] & 0x01`.
    public static let dht = ReservedBits(rawValue: 0x01)

    /// The eight bytes in wire order.
    public init(bytes: some Collection<UInt8>) {
        precondition(bytes.count == 8, "reserved field is 8 bytes")
        self.rawValue = bytes.reduce(0) { $0 << 8 | UInt64($1) }
    }

    /// The eight bytes in wire order.
    public var bytes: [UInt8] {
        (0..<8).map { UInt8(truncatingIfNeeded: rawValue >> (56 - 8 * $0)) }
    }
}
