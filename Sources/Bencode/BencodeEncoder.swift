/// Encodes values into canonical bencode: dictionary keys sorted as raw bytes.
extension BencodeValue {
    /// The canonical encoding of this value.
    public func encoded() -> [UInt8] {
        var out: [UInt8] = []
        encode(into: &out)
        return out
    }

    /// Appends the canonical encoding of this value to `out`.
    public func encode(into out: inout [UInt8]) {
        switch self {
        case .integer(let value):
            out.append(UInt8(ascii: "i"))
            out.append(contentsOf: String(value).utf8)
            out.append(UInt8(ascii: "e"))
        case .bytes(let value):
            Self.appendString(value, to: &out)
        case .list(let items):
            out.append(UInt8(ascii: "l"))
            for item in items { item.encode(into: &out) }
            out.append(UInt8(ascii: "e"))
        case .dictionary(let entries):
            out.append(UInt8(ascii: "d"))
            for key in entries.keys.sorted(by: { $0.lexicographicallyPrecedes($1) }) {
                Self.appendString(key, to: &out)
                entries[key]!.encode(into: &out)
            }
            out.append(UInt8(ascii: "e"))
        }
    }

    private static func appendString(_ bytes: [UInt8], to out: inout [UInt8]) {
        out.append(contentsOf: String(bytes.count).utf8)
        out.append(UInt8(ascii: ":"))
        out.append(contentsOf: bytes)
    }
}
