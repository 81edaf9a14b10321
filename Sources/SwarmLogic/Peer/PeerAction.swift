import NIOCore
import TorrentCore
import WireProtocol

/// What a `PeerSession` asks its owner (the torrent) to do.
///
/// The session decides what the protocol requires of one connection; everything that touches the
/// swarm (the picker, the choker, the disk, the socket) is the owner's, so it is asked, never done.
public enum PeerAction: Hashable, Sendable {
    /// Write this message to the peer.
    case send(PeerMessage)
    /// Drop the peer, logging the reason. The session ignores every input after asking this.
    case disconnect(reason: String)
    /// A `have` for a piece the peer did not have before: count it in the picker's availability.
    case peerHas(PieceIndex)
    /// A bitfield or have-all, as a full `Bitfield`. `replacingEarlier` is true when it is not the
    /// peer's first piece news (aria2 resends its bitfield as it progresses): the owner must forget
    /// the peer's old availability before counting this one.
    case peerHasBitfield(Bitfield, replacingEarlier: Bool)
    /// Piece data arrived; its geometry is already validated, and the request names exactly the
    /// bytes received. The owner asks the picker whether to store it, then refills the pipeline.
    case block(BlockRequest, ByteBuffer)
    /// The peer refused one of our outstanding requests (BEP 6): the owner returns it to the picker.
    case requestRejected(BlockRequest)
    /// The peer choked us: the owner releases our outstanding requests at this peer.
    case chokedUs
    /// The peer unchoked us, or allowed a fast piece while choking: the owner should fill the pipeline.
    case mayRequest
    /// The peer became interested: the owner may unchoke it at once if a slot is free.
    case becameInterested
    /// The peer is no longer interested: the owner may give its upload slot to a waiting peer.
    case lostInterest
    /// A valid request from the peer was queued: the owner should serve uploads (`nextUpload()`).
    case uploadQueued
    /// A BEP 10 message for the owner (id 0 is the extension handshake; others are ids we assigned).
    case extended(id: UInt8, payload: ByteBuffer)
    /// The peer's DHT node listens on this port (BEP 5); never 0.
    case dhtPort(UInt16)
    /// A BEP 52 `hash request`, `hashes` or `hash reject`, for the owner that knows the merkle trees.
    case merkle(PeerMessage)
}

extension PeerAction: CustomStringConvertible {
    public var description: String {
        switch self {
        case .send(let message): "send \(message)"
        case .disconnect(let reason): "disconnect: \(reason)"
        case .peerHas(let piece): "peer has \(piece)"
        case .peerHasBitfield(let field, let replacing):
            "peer has \(field.setCount)/\(field.count) pieces\(replacing ? " (replacing)" : "")"
        case .block(let request, _): "block \(request)"
        case .requestRejected(let request): "rejected \(request)"
        case .chokedUs: "choked us"
        case .mayRequest: "may request"
        case .becameInterested: "became interested"
        case .lostInterest: "lost interest"
        case .uploadQueued: "upload queued"
        case .extended(let id, let payload): "extended #\(id) (\(payload.readableBytes) bytes)"
        case .dhtPort(let port): "DHT port \(port)"
        case .merkle(let message): "merkle: \(message)"
        }
    }
}
