/// Why a datagram is not a KRPC message we can use.
public enum KRPCError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The bytes are not bencode.
    case notBencode(String)
    /// The root is not a dictionary.
    case notADictionary
    /// A required key is absent.
    case missingField(String)
    /// A key holds the wrong type or size.
    case badField(String, String)
    /// The `y` key is not `q`, `r` or `e`.
    case unknownMessageType(String)
    /// A query names a method we do not serve (answered with error 204).
    case unknownMethod(String)

    public var description: String {
        switch self {
        case .notBencode(let reason): "the datagram is not bencode: \(reason)"
        case .notADictionary: "the message is not a dictionary"
        case .missingField(let key): "the message has no '\(key)'"
        case .badField(let key, let reason): "the field '\(key)' is invalid: \(reason)"
        case .unknownMessageType(let type): "unknown message type '\(type)'"
        case .unknownMethod(let method): "unknown query method '\(method)'"
        }
    }
}
