import TorrentCore

/// A Local Service Discovery announce (BEP 14): "I serve these info-hashes on this TCP port",
/// sent by multicast as an HTTP-like `BT-SEARCH` request.
public struct LSDAnnounce: Hashable, Sendable {
    public var port: UInt16
    public var infoHashes: [InfoHash]
    /// A value unique to the sender so it can recognise and ignore its own announces.
    public var cookie: String?

    /// The IPv4 multicast group and port of BEP 14.
    public static let ipv4Group = "239.192.152.143"
    /// The IPv6 (site-local scope) multicast group of BEP 14.
    public static let ipv6Group = "ff15::efc0:988f"
    public static let port = 6771
    /// The most info-hashes read from one announce.
    public static let maxInfoHashes = 64

    public init(port: UInt16, infoHashes: [InfoHash], cookie: String?) {
        self.port = port
        self.infoHashes = infoHashes
        self.cookie = cookie
    }

    /// The datagram, addressed to `host` (the multicast group, with port, as `Host:` wants it).
    public func encoded(host: String = "\(LSDAnnounce.ipv4Group):\(LSDAnnounce.port)") -> [UInt8] {
        var text = "BT-SEARCH * HTTP/1.1\r\nHost: \(host)\r\nPort: \(port)\r\n"
        for hash in infoHashes { text += "Infohash: \(hash.hex)\r\n" }
        if let cookie { text += "cookie: \(cookie)\r\n" }
        text += "\r\n\r\n"
        return Array(text.utf8)
    }

    /// Parses a datagram; anything that is not a well-formed `BT-SEARCH` throws.
    public init(decoding bytes: [UInt8]) throws(LSDError) {
        guard bytes.count <= 8192 else { throw .tooLong(bytes.count) }
        guard let text = String(validating: bytes, as: UTF8.self) else { throw .notText }
        let lines = text.split(omittingEmptySubsequences: true, whereSeparator: { $0 == "\r\n" || $0 == "\n" })
        guard let first = lines.first, first.hasPrefix("BT-SEARCH * HTTP/") else { throw .notBTSearch }
        var port: UInt16?
        var hashes: [InfoHash] = []
        var cookie: String?
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = line[..<colon].trimmingSpaces.lowercased()
            let value = line[line.index(after: colon)...].trimmingSpaces
            switch name {
            case "port":
                guard let parsed = UInt16(value), parsed > 0 else { throw .badPort(String(value)) }
                port = parsed
            case "infohash":
                guard hashes.count < Self.maxInfoHashes else { continue }
                guard let hash = InfoHash(text: value), value.count == 40 else { throw .badInfoHash(String(value)) }
                if !hashes.contains(hash) { hashes.append(hash) }
            case "cookie":
                cookie = String(value)
            default:
                continue
            }
        }
        guard let port else { throw .missingPort }
        guard !hashes.isEmpty else { throw .missingInfoHash }
        self.init(port: port, infoHashes: hashes, cookie: cookie)
    }
}

/// Why a datagram on the LSD group is not a usable announce.
public enum LSDError: Error, Equatable, Sendable, CustomStringConvertible {
    case tooLong(Int)
    case notText
    case notBTSearch
    case missingPort
    case badPort(String)
    case missingInfoHash
    case badInfoHash(String)

    public var description: String {
        switch self {
        case .tooLong(let count): "the announce is \(count) bytes, more than an LSD announce needs"
        case .notText: "the announce is not UTF-8 text"
        case .notBTSearch: "the datagram is not a BT-SEARCH announce"
        case .missingPort: "the announce has no Port header"
        case .badPort(let text): "the announce's port '\(text)' is not a TCP port"
        case .missingInfoHash: "the announce names no info-hash"
        case .badInfoHash(let text): "the announce's info-hash '\(text)' is not 40 hex digits"
        }
    }
}

extension Substring {
    fileprivate var trimmingSpaces: Substring {
        var out = self
        while let first = out.first, first == " " || first == "\t" { out.removeFirst() }
        while let last = out.last, last == " " || last == "\t" { out.removeLast() }
        return out
    }
}
