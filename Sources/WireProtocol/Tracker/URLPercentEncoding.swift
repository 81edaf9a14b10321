/// Percent-encoding for tracker query strings, where binary values (info-hash, peer id) are
/// encoded byte by byte.
public enum URLPercentEncoding {
    /// Keeps RFC 3986 unreserved characters (`A-Z a-z 0-9 - . _ ~`) and writes every other byte as `%XX`.
    public static func encode(_ bytes: some Sequence<UInt8>) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(60)
        let hex = Array("0123456789ABCDEF".utf8)
        for byte in bytes {
            if isUnreserved(byte) {
                out.append(byte)
            } else {
                out.append(UInt8(ascii: "%"))
                out.append(hex[Int(byte >> 4)])
                out.append(hex[Int(byte & 0x0F)])
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends `query` to `url`, with `?` or, when `url` already has a query, `&`; drops any fragment.
    public static func appendQuery(_ query: String, to url: String) -> String {
        var base = Substring(url)
        if let hash = base.firstIndex(of: "#") { base = base[..<hash] }
        guard !query.isEmpty else { return String(base) }
        if let question = base.firstIndex(of: "?") {
            let existing = base[base.index(after: question)...]
            if existing.isEmpty || existing.hasSuffix("&") { return base + query }
            return base + "&" + query
        }
        return base + "?" + query
    }

    private static func isUnreserved(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
            true
        default:
            false
        }
    }
}
