import NIOCore

/// One uTP packet (BEP 29): the 20-byte header, the extensions rill understands, and the payload.
///
/// ```
///  0       4       8               16              24              32
/// +-------+-------+---------------+---------------+---------------+
/// | type  | ver   | extension     | connection_id                 |
/// | timestamp_microseconds                                        |
/// | timestamp_difference_microseconds                             |
/// | wnd_size                                                      |
/// | seq_nr                        | ack_nr                        |
/// +---------------------------------------------------------------+
/// ```
/// Every integer is big-endian. Extensions form a chain: each header names the type of the next
/// one (0 ends it), then its own length and data. Only selective ack (1) is kept; others are
/// skipped, as the BEP asks.
public struct UTPPacket: Equatable, Sendable {
    public static let headerLength = 20
    public static let version: UInt8 = 1
    static let selectiveAckExtension: UInt8 = 1

    public var type: UTPPacketType
    public var connectionID: UInt16
    /// The sender's clock when it sent the packet, in microseconds (wraps).
    public var timestamp: UInt32
    /// The sender's last measured one-way delay from us to it, in microseconds.
    public var timestampDifference: UInt32
    /// Bytes the sender can still take in (its advertised receive window).
    public var windowSize: UInt32
    public var sequenceNumber: UInt16
    public var ackNumber: UInt16
    public var selectiveAck: UTPSelectiveAck?
    public var payload: [UInt8]

    public init(type: UTPPacketType, connectionID: UInt16, timestamp: UInt32 = 0, timestampDifference: UInt32 = 0,
                windowSize: UInt32 = 0, sequenceNumber: UInt16 = 0, ackNumber: UInt16 = 0,
                selectiveAck: UTPSelectiveAck? = nil, payload: [UInt8] = []) {
        self.type = type
        self.connectionID = connectionID
        self.timestamp = timestamp
        self.timestampDifference = timestampDifference
        self.windowSize = windowSize
        self.sequenceNumber = sequenceNumber
        self.ackNumber = ackNumber
        self.selectiveAck = selectiveAck
        self.payload = payload
    }

    // MARK: - Decoding

    /// Parses one datagram. Never traps: a short, unknown or malformed datagram throws. Reads a
    /// contiguous datagram (an array, a `ByteBuffer`'s view) in place: only the payload is copied.
    public init(decoding datagram: some Collection<UInt8>) throws(UTPPacketError) {
        let parsed = datagram.withContiguousStorageIfAvailable { Self.parse($0) }
            ?? Array(datagram).withUnsafeBufferPointer { Self.parse($0) }
        self = try parsed.get()
    }

    private static func parse(_ bytes: UnsafeBufferPointer<UInt8>) -> Result<UTPPacket, UTPPacketError> {
        guard bytes.count >= headerLength else { return .failure(.truncated(length: bytes.count)) }
        guard bytes[0] & 0x0F == version else { return .failure(.unsupportedVersion(bytes[0] & 0x0F)) }
        guard let type = UTPPacketType(rawValue: bytes[0] >> 4) else { return .failure(.unknownType(bytes[0] >> 4)) }
        var packet = UTPPacket(type: type, connectionID: read16(bytes, 2), timestamp: read32(bytes, 4),
                               timestampDifference: read32(bytes, 8), windowSize: read32(bytes, 12),
                               sequenceNumber: read16(bytes, 16), ackNumber: read16(bytes, 18))
        var next = bytes[1]
        var offset = headerLength
        while next != 0 {
            guard offset + 2 <= bytes.count else { return .failure(.truncated(length: bytes.count)) }
            let kind = next
            next = bytes[offset]
            let length = Int(bytes[offset + 1])
            offset += 2
            guard offset + length <= bytes.count else { return .failure(.truncated(length: bytes.count)) }
            if kind == selectiveAckExtension {
                guard let mask = UTPSelectiveAck(bytes: Array(bytes[offset..<offset + length])) else {
                    return .failure(.badSelectiveAckLength(length))
                }
                packet.selectiveAck = mask
            }
            offset += length
        }
        packet.payload = Array(bytes[offset...])
        return .success(packet)
    }

    /// The connection id of a datagram, read without parsing the rest (for demultiplexing).
    public static func connectionID(of datagram: [UInt8]) -> UInt16? {
        datagram.count >= headerLength ? UInt16(datagram[2]) << 8 | UInt16(datagram[3]) : nil
    }

    // MARK: - Encoding

    /// The packet as one datagram.
    public func encoded() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(encodedLength)
        out.append(type.rawValue << 4 | Self.version)
        out.append(selectiveAck == nil ? 0 : Self.selectiveAckExtension)
        Self.append16(connectionID, to: &out)
        Self.append32(timestamp, to: &out)
        Self.append32(timestampDifference, to: &out)
        Self.append32(windowSize, to: &out)
        Self.append16(sequenceNumber, to: &out)
        Self.append16(ackNumber, to: &out)
        if let selectiveAck {
            out.append(0)
            out.append(UInt8(selectiveAck.bytes.count))
            out.append(contentsOf: selectiveAck.bytes)
        }
        out.append(contentsOf: payload)
        return out
    }

    /// Appends the packet to `buffer` as one datagram, without an intermediate array.
    public func encode(into buffer: inout ByteBuffer) {
        buffer.writeInteger(type.rawValue << 4 | Self.version)
        buffer.writeInteger(selectiveAck == nil ? 0 : Self.selectiveAckExtension)
        buffer.writeInteger(connectionID)
        buffer.writeInteger(timestamp)
        buffer.writeInteger(timestampDifference)
        buffer.writeInteger(windowSize)
        buffer.writeInteger(sequenceNumber)
        buffer.writeInteger(ackNumber)
        if let selectiveAck {
            buffer.writeInteger(UInt8(0))
            buffer.writeInteger(UInt8(selectiveAck.bytes.count))
            buffer.writeBytes(selectiveAck.bytes)
        }
        buffer.writeBytes(payload)
    }

    /// The datagram's length in bytes.
    public var encodedLength: Int {
        Self.headerLength + (selectiveAck.map { $0.bytes.count + 2 } ?? 0) + payload.count
    }

    // MARK: - Integers

    private static func read16(_ bytes: UnsafeBufferPointer<UInt8>, _ at: Int) -> UInt16 {
        UInt16(bytes[at]) << 8 | UInt16(bytes[at + 1])
    }

    private static func read32(_ bytes: UnsafeBufferPointer<UInt8>, _ at: Int) -> UInt32 {
        UInt32(bytes[at]) << 24 | UInt32(bytes[at + 1]) << 16 | UInt32(bytes[at + 2]) << 8 | UInt32(bytes[at + 3])
    }

    private static func append16(_ value: UInt16, to out: inout [UInt8]) {
        out.append(UInt8(value >> 8))
        out.append(UInt8(value & 0xFF))
    }

    private static func append32(_ value: UInt32, to out: inout [UInt8]) {
        for shift in stride(from: 24, through: 0, by: -8) { out.append(UInt8((value >> UInt32(shift)) & 0xFF)) }
    }
}
