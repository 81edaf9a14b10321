import Bencode

/// Why a tracker reply could not be used. The descriptions leave out the tracker's URL; the
/// engine's `TrackerError` adds it.
public enum TrackerReplyError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The tracker refused the request and said why (`failure reason`, or a UDP error packet).
    case failure(reason: String)
    /// The reply is not valid bencode.
    case notBencode(BencodeError)
    /// The reply decoded, but its top level is not a dictionary.
    case notADictionary
    /// A field has the wrong type for its meaning, and the reply cannot be read without it.
    case wrongFieldType(field: String, expected: String)
    /// A UDP reply shorter than its action requires.
    case packetTooShort(action: String, length: Int, minimum: Int)
    /// A UDP reply whose action is neither the one asked for nor an error.
    case unexpectedAction(UInt32, expected: String)
    /// A UDP reply for another transaction (a late or forged packet); the client keeps waiting.
    case transactionMismatch(expected: UInt32, received: UInt32)

    public var description: String {
        switch self {
        case .failure(let reason):
            "tracker said: \(reason)"
        case .notBencode(let error):
            "reply is not bencoded (\(error))"
        case .notADictionary:
            "reply is not a bencoded dictionary"
        case .wrongFieldType(let field, let expected):
            "reply field \"\(field)\" is not \(expected)"
        case .packetTooShort(let action, let length, let minimum):
            "\(action) reply has \(length) bytes; it needs at least \(minimum)"
        case .unexpectedAction(let action, let expected):
            "reply has action \(action); expected \(expected)"
        case .transactionMismatch(let expected, let received):
            "reply is for transaction \(received), not \(expected)"
        }
    }

    /// Text a tracker sent (failure reasons, warnings) made safe to show: invalid UTF-8 replaced,
    /// control characters turned into spaces, at most `limit` characters.
    static func displayText(_ bytes: some Collection<UInt8>, limit: Int = 300) -> String {
        let decoded = String(decoding: bytes.prefix(limit * 4), as: UTF8.self)
        var out = ""
        for scalar in decoded.unicodeScalars.prefix(limit) {
            out.unicodeScalars.append(scalar.properties.generalCategory == .control ? " " : scalar)
        }
        return out.trimmingSpaces()
    }
}

extension String {
    fileprivate func trimmingSpaces() -> String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { $0 != " " }),
              let last = scalars.lastIndex(where: { $0 != " " }) else { return "" }
        return String(scalars[first...last])
    }
}
