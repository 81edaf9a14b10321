/// Why a datagram is not a uTP packet.
public enum UTPPacketError: Error, Equatable, Sendable {
    /// Shorter than the 20-byte header, or an extension runs past the end.
    case truncated(length: Int)
    /// The version nibble is not 1.
    case unsupportedVersion(UInt8)
    /// The type nibble names no packet type.
    case unknownType(UInt8)
    /// A selective-ack extension of length zero.
    case badSelectiveAckLength(Int)
}
