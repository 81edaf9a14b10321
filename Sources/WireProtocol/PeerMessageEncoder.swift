import NIOCore
import TorrentCore

/// Writes peer messages as length-prefixed frames.
public struct PeerMessageEncoder: Sendable {
    public init() {}

    /// Appends `message` as one frame to `buffer`.
    ///
    /// Values must fit the wire's 32-bit fields; the caller builds messages from its own state,
    /// so an out-of-range value is a programming error and traps.
    public func encode(_ message: PeerMessage, into buffer: inout ByteBuffer) {
        switch message {
        case .keepAlive:
            buffer.writeInteger(UInt32(0))
        case .choke, .unchoke, .interested, .notInterested, .haveAll, .haveNone:
            writeHeader(message, payloadLength: 0, into: &buffer)
        case .have(let piece), .suggestPiece(let piece), .allowedFast(let piece):
            writeHeader(message, payloadLength: 4, into: &buffer)
            buffer.writeInteger(UInt32(piece.value))
        case .bitfield(let bytes):
            writeHeader(message, payloadLength: bytes.count, into: &buffer)
            buffer.writeBytes(bytes)
        case .request(let block), .cancel(let block), .rejectRequest(let block):
            writeHeader(message, payloadLength: 12, into: &buffer)
            buffer.writeInteger(UInt32(block.piece.value))
            buffer.writeInteger(UInt32(block.offset))
            buffer.writeInteger(UInt32(block.length))
        case .piece(let piece, let offset, let block):
            writeHeader(message, payloadLength: 8 + block.readableBytes, into: &buffer)
            buffer.writeInteger(UInt32(piece.value))
            buffer.writeInteger(UInt32(offset))
            buffer.writeImmutableBuffer(block)
        case .port(let port):
            writeHeader(message, payloadLength: 2, into: &buffer)
            buffer.writeInteger(port)
        case .extended(let id, let payload):
            writeHeader(message, payloadLength: 1 + payload.readableBytes, into: &buffer)
            buffer.writeInteger(id)
            buffer.writeImmutableBuffer(payload)
        case .hashRequest(let request), .hashReject(let request):
            writeHeader(message, payloadLength: HashRequest.encodedSize, into: &buffer)
            write(request, into: &buffer)
        case .hashes(let request, let hashes):
            writeHeader(message, payloadLength: HashRequest.encodedSize + hashes.count, into: &buffer)
            write(request, into: &buffer)
            buffer.writeBytes(hashes)
        }
    }

    private func write(_ request: HashRequest, into buffer: inout ByteBuffer) {
        buffer.writeBytes(request.piecesRoot)
        for field in [request.baseLayer, request.index, request.length, request.proofLayers] {
            buffer.writeInteger(UInt32(field))
        }
    }

    /// Bytes before the data in a `piece` frame: length prefix, id, index and offset.
    public static let pieceHeaderLength = 13

    /// Appends the header of a `piece` frame whose `length` data bytes the caller writes next, so
    /// a block can be read from disk straight into the frame that carries it.
    public func encodePieceHeader(piece: PieceIndex, offset: Int, length: Int, into buffer: inout ByteBuffer) {
        buffer.writeInteger(UInt32(9 + length))
        buffer.writeInteger(PeerMessageID.piece.rawValue)
        buffer.writeInteger(UInt32(piece.value))
        buffer.writeInteger(UInt32(offset))
    }

    /// One message as a fresh buffer.
    public func encode(_ message: PeerMessage) -> ByteBuffer {
        var buffer = ByteBuffer()
        encode(message, into: &buffer)
        return buffer
    }

    private func writeHeader(_ message: PeerMessage, payloadLength: Int, into buffer: inout ByteBuffer) {
        guard let id = message.id else { return }
        buffer.writeInteger(UInt32(1 + payloadLength))
        buffer.writeInteger(id.rawValue)
    }
}

extension PeerMessageEncoder: MessageToByteEncoder {
    public typealias OutboundIn = PeerMessage

    public func encode(data: PeerMessage, out: inout ByteBuffer) {
        encode(data, into: &out)
    }
}
