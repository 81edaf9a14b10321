import NIOCore
import TorrentCore

/// The 68-byte opening message of a BEP 3 connection:
/// `<19>"BitTorrent protocol"<8 reserved bytes><20-byte info-hash><20-byte peer id>`.
public struct PeerHandshake: Hashable, Sendable {
    /// The protocol string every v1 peer sends.
    public static let protocolName: [UInt8] = Array("BitTorrent protocol".utf8)
    /// Total length on the wire.
    public static let length = 68
    /// Length up to and including the info-hash; enough for an accepting side to pick the torrent.
    public static let lengthBeforePeerID = 48

    public var reserved: ReservedBits
    public var infoHash: InfoHash
    public var peerID: PeerID

    public init(reserved: ReservedBits, infoHash: InfoHash, peerID: PeerID) {
        self.reserved = reserved
        self.infoHash = infoHash
        self.peerID = peerID
    }

    /// True when the peer speaks the BEP 10 extension protocol.
    public var supportsExtensionProtocol: Bool { reserved.contains(.extensionProtocol) }
    /// True when the peer speaks the BEP 6 fast extension.
    public var supportsFastExtension: Bool { reserved.contains(.fastExtension) }
    /// True when the peer runs a DHT node (BEP 5).
    public var supportsDHT: Bool { reserved.contains(.dht) }

    /// Appends the 68 bytes to `buffer`.
    public func encode(into buffer: inout ByteBuffer) {
        buffer.writeInteger(UInt8(Self.protocolName.count))
        buffer.writeBytes(Self.protocolName)
        buffer.writeInteger(reserved.rawValue)
        buffer.writeBytes(infoHash.bytes)
        buffer.writeBytes(peerID.bytes)
    }

    /// The 68 bytes.
    public func encoded() -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.reserveCapacity(Self.length)
        encode(into: &buffer)
        return buffer
    }

    /// Reads a handshake from the front of `buffer`, consuming it only when all 68 bytes are there.
    ///
    /// Returns nil while bytes are missing; throws as soon as the protocol string is known to be wrong,
    /// so a peer that opens with an encrypted (MSE) handshake or garbage is dropped without waiting.
    public static func parse(from buffer: inout ByteBuffer) throws(PeerHandshakeError) -> PeerHandshake? {
        guard let header = try parseHeader(from: buffer) else { return nil }
        guard buffer.readableBytes >= length,
              let peerIDBytes = buffer.getBytes(at: buffer.readerIndex + lengthBeforePeerID, length: 20),
              let peerID = PeerID(bytes: peerIDBytes)
        else { return nil }
        buffer.moveReaderIndex(forwardBy: length)
        return PeerHandshake(reserved: header.reserved, infoHash: header.infoHash, peerID: peerID)
    }

    /// Looks at the first 48 bytes without consuming them: the reserved bits and the info-hash.
    ///
    /// An accepting side needs the info-hash to choose the torrent before it answers; some peers
    /// wait for our handshake before sending their peer id.
    public static func parseHeader(from buffer: ByteBuffer) throws(PeerHandshakeError) -> (reserved: ReservedBits, infoHash: InfoHash)? {
        let start = buffer.readerIndex
        let available = buffer.readableBytes
        if available >= 1, let nameLength = buffer.getInteger(at: start, as: UInt8.self),
           Int(nameLength) != protocolName.count {
            throw .wrongProtocolName(prefix: buffer.getBytes(at: start, length: min(available, 20)) ?? [])
        }
        let comparable = min(available, 1 + protocolName.count) - 1
        if comparable > 0, let name = buffer.getBytes(at: start + 1, length: comparable),
           !name.elementsEqual(protocolName.prefix(comparable)) {
            throw .wrongProtocolName(prefix: buffer.getBytes(at: start, length: min(available, 20)) ?? [])
        }
        guard available >= lengthBeforePeerID,
              let reserved = buffer.getInteger(at: start + 20, as: UInt64.self),
              let hashBytes = buffer.getBytes(at: start + 28, length: 20),
              let infoHash = InfoHash(bytes: hashBytes)
        else { return nil }
        return (ReservedBits(rawValue: reserved), infoHash)
    }
}

/// Why a handshake was refused.
public enum PeerHandshakeError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The first bytes are not `<19>BitTorrent protocol`; `prefix` holds up to 20 of them for the log.
    case wrongProtocolName(prefix: [UInt8])

    public var description: String {
        switch self {
        case .wrongProtocolName(let prefix):
            let hex = prefix.map { byte in
                let digits = String(byte, radix: 16)
                return digits.count == 1 ? "0" + digits : digits
            }.joined()
            return "peer did not open with the BitTorrent handshake (first bytes: \(hex)); it may require encryption"
        }
    }
}
