/// One bencoded value: an integer, a byte string, a list, or a dictionary with byte-string keys.
///
/// Byte strings stay bytes: torrent fields such as `pieces` are binary, and names are only
/// interpreted as UTF-8 where the caller asks for text.
public enum BencodeValue: Hashable, Sendable {
    case integer(Int64)
    case bytes([UInt8])
    case list([BencodeValue])
    case dictionary([[UInt8]: BencodeValue])
}

// MARK: - Convenience constructors

extension BencodeValue {
    /// A byte string holding the UTF-8 bytes of `text`.
    public static func string(_ text: String) -> BencodeValue { .bytes(Array(text.utf8)) }

    /// A dictionary whose keys are given as text.
    public static func dict(_ entries: [String: BencodeValue]) -> BencodeValue {
        var result: [[UInt8]: BencodeValue] = [:]
        for (key, value) in entries { result[Array(key.utf8)] = value }
        return .dictionary(result)
    }
}

// MARK: - Typed access

extension BencodeValue {
    /// The integer, if this is one.
    public var integer: Int64? {
        if case .integer(let value) = self { return value }
        return nil
    }

    /// The raw bytes, if this is a byte string.
    public var bytes: [UInt8]? {
        if case .bytes(let value) = self { return value }
        return nil
    }

    /// The byte string decoded as UTF-8, or nil when it is not a byte string or not valid UTF-8.
    public var text: String? {
        guard case .bytes(let value) = self else { return nil }
        return String(validating: value, as: UTF8.self)
    }

    /// The elements, if this is a list.
    public var list: [BencodeValue]? {
        if case .list(let value) = self { return value }
        return nil
    }

    /// The entries, if this is a dictionary.
    public var dictionary: [[UInt8]: BencodeValue]? {
        if case .dictionary(let value) = self { return value }
        return nil
    }

    /// The value stored under `key` when this is a dictionary.
    public subscript(key: String) -> BencodeValue? {
        guard case .dictionary(let entries) = self else { return nil }
        return entries[Array(key.utf8)]
    }
}
