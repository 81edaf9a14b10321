extension PeerID {
    /// The client and version the id announces, such as "libtorrent 2.0.9" or "Transmission 3.00".
    ///
    /// Understands Azureus-style ids (`-XXvvvv-`), aria2's `A2-1-37-0-` and mainline's `M7-4-0--`;
    /// anything else gives "unknown client" with the printable prefix, if any.
    public var clientName: String {
        if let name = azureusStyleName { return name }
        if let name = dashSeparatedName { return name }
        let printable = bytes.prefix { $0 >= 0x21 && $0 < 0x7F }
        if printable.count >= 3 {
            return "unknown client (\(String(decoding: printable.prefix(8), as: UTF8.self)))"
        }
        return "unknown client"
    }

    /// Azureus-style client codes and the names they stand for.
    static let azureusClients: [String: String] = [
        "AG": "Ares", "AR": "Arctic", "AT": "Artemis", "AZ": "Vuze", "BB": "BitBuddy", "BC": "BitComet",
        "BI": "BiglyBT", "BT": "BitTorrent", "BW": "BitWombat", "CD": "Enhanced CTorrent", "DE": "Deluge",
        "FD": "Free Download Manager", "FW": "FrostWire", "FX": "Freebox", "HL": "Halite", "KT": "KTorrent",
        "LH": "LH-ABC", "LT": "libtorrent", "lt": "libTorrent (rakshasa)", "MG": "MediaGet", "PI": "PicoTorrent",
        "qB": "qBittorrent", "RL": "rill", "RT": "Retriever", "SD": "Thunder", "ST": "SymTorrent",
        "TL": "Tribler", "TR": "Transmission", "TT": "TuoTu", "UM": "µTorrent for Mac", "UT": "µTorrent",
        "UW": "µTorrent Web", "WW": "WebTorrent", "XL": "Xunlei",
    ]

    /// `-XXvvvv-`: two letters for the client, four version characters.
    private var azureusStyleName: String? {
        guard bytes[0] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-") else { return nil }
        let code = String(decoding: bytes[1...2], as: UTF8.self)
        let version = Array(bytes[3...6])
        guard bytes[1...2].allSatisfy(Self.isAlphanumeric), version.allSatisfy(Self.isAlphanumeric) else {
            return nil
        }
        guard let client = Self.azureusClients[code] else {
            return "unknown client (-\(code)\(String(decoding: version, as: UTF8.self))-)"
        }
        let digits = version.map(Self.versionDigit)
        let versionText: String
        switch code {
        case "TR":
            versionText = Self.transmissionVersion(version)
        case "AZ", "BI", "RL":
            // Four numeric parts; a trailing zero part is dropped (Vuze 5.7.7.0 is shown as 5.7.7).
            let parts = digits.last == 0 ? digits.dropLast() : digits[...]
            versionText = parts.map(String.init).joined(separator: ".")
        case "UT", "UM", "UW":
            // Three digits and a build letter ("-UT355W-" is 3.5.5).
            versionText = digits.prefix(3).map(String.init).joined(separator: ".")
        default:
            // libtorrent and most of its front ends: major, minor, patch, and a tag that is usually 0.
            versionText = digits.prefix(3).map(String.init).joined(separator: ".")
        }
        return "\(client) \(versionText)"
    }

    /// Transmission used `X.YZ` up to 3.00 ("-TR300Z-", Z marking a development build)
    /// and `major.minor.patch` from 4.0 ("-TR4060-").
    private static func transmissionVersion(_ version: [UInt8]) -> String {
        let digits = version.map(versionDigit)
        let suffix: String
        switch version[3] {
        case UInt8(ascii: "Z"), UInt8(ascii: "X"): suffix = "+"
        case UInt8(ascii: "B"): suffix = " beta"
        default: suffix = ""
        }
        if digits[0] >= 4 {
            return "\(digits[0]).\(digits[1]).\(digits[2])\(suffix)"
        }
        return "\(digits[0]).\(digits[1])\(digits[2])\(suffix)"
    }

    /// aria2 (`A2-1-37-0-`) and mainline BitTorrent (`M7-4-0--`): a letter code, then numbers between dashes.
    private var dashSeparatedName: String? {
        let client: String
        let rest: ArraySlice<UInt8>
        if bytes.starts(with: Array("A2-".utf8)) {
            client = "aria2"
            rest = bytes[3...]
        } else if bytes[0] == UInt8(ascii: "M"), Self.isDigit(bytes[1]), bytes[2] == UInt8(ascii: "-") {
            client = "BitTorrent"
            rest = bytes[1...]
        } else {
            return nil
        }
        var parts: [String] = []
        for part in rest.split(separator: UInt8(ascii: "-"), maxSplits: 3, omittingEmptySubsequences: false).prefix(3) {
            guard !part.isEmpty, part.count <= 3, part.allSatisfy(Self.isDigit) else { break }
            parts.append(String(decoding: part, as: UTF8.self))
        }
        guard !parts.isEmpty else { return client }
        return "\(client) \(parts.joined(separator: "."))"
    }

    /// `0`–`9` are 0–9; letters continue from 10 (`A` or `a` is 10), as libtorrent writes them.
    private static func versionDigit(_ byte: UInt8) -> Int {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return Int(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): return Int(byte - UInt8(ascii: "A")) + 10
        case UInt8(ascii: "a")...UInt8(ascii: "z"): return Int(byte - UInt8(ascii: "a")) + 10
        default: return 0
        }
    }

    private static func isDigit(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }

    private static func isAlphanumeric(_ byte: UInt8) -> Bool {
        isDigit(byte) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
            || (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z"))
    }
}
