/// Text forms of IP addresses as peers and trackers exchange them: dotted IPv4, and IPv6 in the
/// canonical compressed form of RFC 5952 (lowercase, longest zero run as `::`).
public enum IPAddressText {
    /// `a.b.c.d` for 4 bytes in network order.
    public static func ipv4(_ bytes: some Collection<UInt8>) -> String {
        bytes.map(String.init).joined(separator: ".")
    }

    /// The RFC 5952 form of 16 bytes in network order; IPv4-mapped addresses end in dotted IPv4
    /// (`::ffff:1.2.3.4`).
    public static func ipv6(_ bytes: some Collection<UInt8>) -> String {
        let raw = Array(bytes)
        precondition(raw.count == 16, "an IPv6 address has 16 bytes")
        if raw[0..<10].allSatisfy({ $0 == 0 }) && raw[10] == 0xFF && raw[11] == 0xFF {
            return "::ffff:" + ipv4(raw[12..<16])
        }
        let groups = (0..<8).map { UInt16(raw[2 * $0]) << 8 | UInt16(raw[2 * $0 + 1]) }
        // The longest run of two or more zero groups, the first one on a tie.
        var bestStart = -1
        var bestLength = 1
        var index = 0
        while index < 8 {
            guard groups[index] == 0 else {
                index += 1
                continue
            }
            let start = index
            while index < 8 && groups[index] == 0 { index += 1 }
            if index - start > bestLength {
                bestStart = start
                bestLength = index - start
            }
        }
        func text(_ range: Range<Int>) -> String {
            groups[range].map { String($0, radix: 16) }.joined(separator: ":")
        }
        if bestStart < 0 { return text(0..<8) }
        return text(0..<bestStart) + "::" + text((bestStart + bestLength)..<8)
    }

    /// The 4 bytes of a strict dotted quad (`1.2.3.4`; no leading zeros, no missing parts).
    public static func parseIPv4(_ text: some StringProtocol) -> [UInt8]? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var out: [UInt8] = []
        for part in parts {
            guard !part.isEmpty, part.count <= 3, part.allSatisfy({ $0.isASCII && $0.isNumber }),
                  part == "0" || !part.hasPrefix("0"), let value = UInt8(part) else { return nil }
            out.append(value)
        }
        return out
    }

    /// The 16 bytes of an IPv6 literal in any valid form (with `::`, or an IPv4 tail); no zone, no brackets.
    public static func parseIPv6(_ text: some StringProtocol) -> [UInt8]? {
        let chars = Array(text.utf8)
        guard chars.count <= 45, chars.contains(UInt8(ascii: ":")) else { return nil }
        var doubleColon: Int?
        for index in 0..<(chars.count - 1) where chars[index] == UInt8(ascii: ":") && chars[index + 1] == UInt8(ascii: ":") {
            guard doubleColon == nil else { return nil }
            doubleColon = index
        }
        func groups(_ part: String, allowIPv4Tail: Bool) -> [UInt16]? {
            if part.isEmpty { return [] }
            let pieces = part.split(separator: ":", omittingEmptySubsequences: false)
            var out: [UInt16] = []
            for (position, piece) in pieces.enumerated() {
                if allowIPv4Tail && position == pieces.count - 1 && piece.contains(".") {
                    guard let v4 = parseIPv4(piece) else { return nil }
                    out.append(UInt16(v4[0]) << 8 | UInt16(v4[1]))
                    out.append(UInt16(v4[2]) << 8 | UInt16(v4[3]))
                    continue
                }
                guard (1...4).contains(piece.count), piece.allSatisfy({ $0.isHexDigit }),
                      let value = UInt16(piece, radix: 16) else { return nil }
                out.append(value)
            }
            return out
        }
        let all: [UInt16]
        if let doubleColon {
            guard let head = groups(String(decoding: chars[..<doubleColon], as: UTF8.self), allowIPv4Tail: false),
                  let tail = groups(String(decoding: chars[(doubleColon + 2)...], as: UTF8.self), allowIPv4Tail: true),
                  head.count + tail.count <= 7 else { return nil }
            all = head + Array(repeating: 0, count: 8 - head.count - tail.count) + tail
        } else {
            guard let only = groups(String(decoding: chars, as: UTF8.self), allowIPv4Tail: true), only.count == 8 else {
                return nil
            }
            all = only
        }
        return all.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }
    }

    /// A peer host from a tracker or peer in the form rill keys peers by: dotted IPv4, canonical IPv6
    /// (brackets removed), or a lowercased DNS name; nil for anything else.
    public static func canonicalHost(_ text: some StringProtocol) -> String? {
        var host = Substring(text)
        if host.hasPrefix("[") && host.hasSuffix("]") { host = host.dropFirst().dropLast() }
        if let v4 = parseIPv4(host) { return ipv4(v4) }
        if let v6 = parseIPv6(host) { return ipv6(v6) }
        guard !host.isEmpty, host.utf8.count <= 253 else { return nil }
        let labels = host.split(separator: ".", omittingEmptySubsequences: false)
        for label in labels {
            guard (1...63).contains(label.utf8.count),
                  label.utf8.allSatisfy({ $0 < 0x80 && (Character(UnicodeScalar($0)).isLetter
                      || Character(UnicodeScalar($0)).isNumber || $0 == UInt8(ascii: "-")) }),
                  !label.hasPrefix("-"), !label.hasSuffix("-") else { return nil }
        }
        // All-numeric names are malformed IPv4 (leading zeros, out of range), not host names.
        if labels.last?.allSatisfy({ $0.isNumber }) == true { return nil }
        return host.lowercased()
    }
}
