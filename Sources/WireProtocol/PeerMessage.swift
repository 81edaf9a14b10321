import NIOCore
import TorrentCore

/// One message of the peer wire protocol after the handshake (BEP 3, the fast extension of BEP 6,
/// and the extension envelope of BEP 10).
public enum PeerMessage: Hashable, Sendable {
    case keepAlive
    case choke
    case unchoke
    case interested
    case notInterested
    case have(PieceIndex)
    /// The packed bits as sent; build a `Bitfield` once the piece count is known.
    case bitfield([UInt8])
    case request(BlockRequest)
    /// A block of data; `block` is a slice of the receive buffer, not a copy.
    case piece(PieceIndex, offset: Int, block: ByteBuffer)
    case cancel(BlockRequest)
    /// The sender's DHT port (BEP 5).
    case port(UInt16)
    case suggestPiece(PieceIndex)
    case haveAll
    case haveNone
    case rejectRequest(BlockRequest)
    case allowedFast(PieceIndex)
    /// A BEP 10 message: id 0 is the extension handshake, other ids are those the receiver assigned.
    case extended(id: UInt8, payload: ByteBuffer)
    /// BEP 52 (ids 21–23): merkle hashes of a v2 file asked for, sent (32 bytes each: the base
    /// layer's hashes, then the proof's uncle hashes), or refused.
    case hashRequest(HashRequest)
    case hashes(HashRequest, hashes: [UInt8])
    case hashReject(HashRequest)

    /// The id byte on the wire; nil for keep-alive, which has none.
    public var id: PeerMessageID? {
        switch self {
        case .keepAlive: nil
        case .choke: .choke
        case .unchoke: .unchoke
        case .interested: .interested
        case .notInterested: .notInterested
        case .have: .have
        case .bitfield: .bitfield
        case .request: .request
        case .piece: .piece
        case .cancel: .cancel
        case .port: .port
        case .suggestPiece: .suggestPiece
        case .haveAll: .haveAll
        case .haveNone: .haveNone
        case .rejectRequest: .rejectRequest
        case .allowedFast: .allowedFast
        case .extended: .extended
        case .hashRequest: .hashRequest
        case .hashes: .hashes
        case .hashReject: .hashReject
        }
    }
}

extension PeerMessage: CustomStringConvertible {
    public var description: String {
        switch self {
        case .keepAlive: "keep-alive"
        case .choke, .unchoke, .interested, .notInterested, .haveAll, .haveNone: id?.description ?? ""
        case .have(let piece): "have \(piece)"
        case .bitfield(let bytes): "bitfield (\(bytes.count) bytes)"
        case .request(let block): "request \(block)"
        case .piece(let piece, let offset, let block): "piece \(piece) [\(offset)+\(block.readableBytes)]"
        case .cancel(let block): "cancel \(block)"
        case .port(let port): "port \(port)"
        case .suggestPiece(let piece): "suggest piece \(piece)"
        case .rejectRequest(let block): "reject request \(block)"
        case .allowedFast(let piece): "allowed fast \(piece)"
        case .extended(let id, let payload): "extended #\(id) (\(payload.readableBytes) bytes)"
        case .hashRequest(let request): "hash request \(request)"
        case .hashes(let request, let hashes): "hashes \(request) (\(hashes.count / 32) hashes)"
        case .hashReject(let request): "hash reject \(request)"
        }
    }
}
