/// The one-byte id that follows the length prefix of every message except keep-alive.
public enum PeerMessageID: UInt8, Hashable, Sendable, CaseIterable, CustomStringConvertible {
    case choke = 0
    case unchoke = 1
    case interested = 2
    case notInterested = 3
    case have = 4
    case bitfield = 5
    case request = 6
    case piece = 7
    case cancel = 8
    case port = 9
    case suggestPiece = 0x0D
    case haveAll = 0x0E
    case haveNone = 0x0F
    case rejectRequest = 0x10
    case allowedFast = 0x11
    case extended = 20
    /// BEP 52: asks for merkle tree hashes.
    case hashRequest = 21
    /// BEP 52: merkle tree hashes, answering a `hashRequest`.
    case hashes = 22
    /// BEP 52: the hashes asked for will not be sent.
    case hashReject = 23

    /// Payload length for messages whose size never varies; nil for `bitfield`, `piece`, `extended`.
    public var fixedPayloadLength: Int? {
        switch self {
        case .choke, .unchoke, .interested, .notInterested, .haveAll, .haveNone: 0
        case .have, .suggestPiece, .allowedFast: 4
        case .request, .cancel, .rejectRequest: 12
        case .port: 2
        case .hashRequest, .hashReject: HashRequest.encodedSize
        case .bitfield, .piece, .extended, .hashes: nil
        }
    }

    public var description: String {
        switch self {
        case .choke: "choke"
        case .unchoke: "unchoke"
        case .interested: "interested"
        case .notInterested: "not interested"
        case .have: "have"
        case .bitfield: "bitfield"
        case .request: "request"
        case .piece: "piece"
        case .cancel: "cancel"
        case .port: "port"
        case .suggestPiece: "suggest piece"
        case .haveAll: "have all"
        case .haveNone: "have none"
        case .rejectRequest: "reject request"
        case .allowedFast: "allowed fast"
        case .extended: "extended"
        case .hashRequest: "hash request"
        case .hashes: "hashes"
        case .hashReject: "hash reject"
        }
    }
}
