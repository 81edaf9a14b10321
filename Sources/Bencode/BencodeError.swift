/// Why bencoded input was rejected, and where.
public struct BencodeError: Error, Equatable, Sendable, CustomStringConvertible {
    /// What went wrong.
    public enum Reason: Equatable, Sendable {
        case unexpectedEnd(expected: String)
        case unexpectedByte(UInt8, expected: String)
        case leadingZero
        case negativeZero
        case integerOverflow
        case stringTooLong(Int, limit: Int)
        case nestingTooDeep(limit: Int)
        case duplicateKey([UInt8])
        case nonStringKey
        case trailingData(count: Int)
    }

    /// Offset of the offending byte in the input.
    public let offset: Int
    public let reason: Reason

    public init(offset: Int, reason: Reason) {
        self.offset = offset
        self.reason = reason
    }

    public var description: String {
        let what: String
        switch reason {
        case .unexpectedEnd(let expected):
            what = "data ends early, expected \(expected)"
        case .unexpectedByte(let byte, let expected):
            what = "found \(Self.show(byte)), expected \(expected)"
        case .leadingZero:
            what = "number has a leading zero"
        case .negativeZero:
            what = "integer is -0"
        case .integerOverflow:
            what = "integer does not fit in 64 bits"
        case .stringTooLong(let length, let limit):
            what = "string of \(length) bytes is longer than the limit of \(limit)"
        case .nestingTooDeep(let limit):
            what = "lists and dictionaries nest deeper than \(limit) levels"
        case .duplicateKey(let key):
            what = "dictionary key \"\(String(decoding: key, as: UTF8.self))\" appears twice"
        case .nonStringKey:
            what = "dictionary key is not a byte string"
        case .trailingData(let count):
            what = "\(count) unexpected bytes after the end of the value"
        }
        return "invalid bencode at byte \(offset): \(what)"
    }

    private static func show(_ byte: UInt8) -> String {
        if byte >= 0x20 && byte < 0x7F { return "'\(Character(UnicodeScalar(byte)))'" }
        return "byte 0x" + String(byte, radix: 16)
    }
}
