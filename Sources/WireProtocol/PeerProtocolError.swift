/// Why a peer's bytes were refused; every case is a reason to drop the peer, and the description
/// is written for the log.
public enum PeerProtocolError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The length prefix is over the limit for this kind of message.
    case frameTooLong(PeerMessageID, length: Int, limit: Int)
    /// The id byte names no message we know.
    case unknownMessageID(UInt8, length: Int)
    /// A fixed-size message with another size.
    case wrongPayloadLength(PeerMessageID, length: Int, expected: Int)
    /// A `piece` or `extended` message too short to hold its header.
    case payloadTooShort(PeerMessageID, length: Int, minimum: Int)
    /// A bitfield whose size does not match the torrent's piece count.
    case wrongBitfieldLength(length: Int, expected: Int, pieceCount: Int)
    /// A bitfield with bits set past the last piece.
    case bitfieldSpareBitsSet(pieceCount: Int)
    /// A piece index at or past the piece count.
    case pieceIndexOutOfRange(PeerMessageID, index: Int, pieceCount: Int)
    /// A request for zero bytes or more than the largest block we serve.
    case invalidRequestLength(length: Int, limit: Int)

    public var description: String {
        switch self {
        case .frameTooLong(let id, let length, let limit):
            "peer sent \(Self.withArticle("\(length)-byte")) \(id) frame; the limit is \(limit)"
        case .unknownMessageID(let id, let length):
            "peer sent a message with unknown id \(id) (\(length)-byte frame)"
        case .wrongPayloadLength(let id, let length, let expected):
            "peer sent \(Self.withArticle(id.description)) message with \(Self.withArticle("\(length)-byte")) payload; it must be \(expected) bytes"
        case .payloadTooShort(let id, let length, let minimum):
            "peer sent \(Self.withArticle(id.description)) message with \(Self.withArticle("\(length)-byte")) payload; it needs at least \(minimum) bytes"
        case .wrongBitfieldLength(let length, let expected, let pieceCount):
            "peer sent \(Self.withArticle("\(length)-byte")) bitfield; \(pieceCount) pieces need exactly \(expected) bytes"
        case .bitfieldSpareBitsSet(let pieceCount):
            "peer sent a bitfield with bits set past the last of \(pieceCount) pieces"
        case .pieceIndexOutOfRange(let id, let index, let pieceCount):
            "peer sent \(Self.withArticle(id.description)) message for piece \(index); the torrent has \(pieceCount) pieces"
        case .invalidRequestLength(let length, let limit):
            "peer requested \(Self.withArticle("\(length)-byte")) block; blocks must be 1 to \(limit) bytes"
        }
    }

    /// Puts "a" or "an" before `phrase`: "an" before a vowel or a number read with a leading vowel
    /// sound (8, 11, 18, 80…, 11000…).
    static func withArticle(_ phrase: String) -> String {
        let digits = phrase.prefix { $0.isASCII && $0.isNumber }
        let vowelSound: Bool
        if digits.isEmpty {
            vowelSound = phrase.first.map { "aeiou".contains($0) } ?? false
        } else {
            vowelSound = digits.hasPrefix("8") || (digits.count % 3 == 2 && (digits.hasPrefix("11") || digits.hasPrefix("18")))
        }
        return (vowelSound ? "an " : "a ") + phrase
    }
}
