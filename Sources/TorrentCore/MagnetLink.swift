/// A BEP 9 magnet link: enough to find a torrent's peers and fetch its metadata from them.
public struct MagnetLink: Hashable, Sendable, CustomStringConvertible {
    /// The 20-byte name of the torrent on the wire: the `btih` hash, or for a v2-only link the
    /// `btmh` hash truncated to 20 bytes.
    public let infoHash: InfoHash
    /// `xt=urn:btmh:1220…`: the SHA-256 info-hash of a v2 or hybrid torrent (BEP 52).
    public let infoHashV2: InfoHashV2?
    /// `dn`: a name to show until the metadata arrives.
    public var displayName: String?
    /// `tr`: tracker URLs, in order.
    public var trackers: [String]
    /// `x.pe`: peers to try directly.
    public var peers: [PeerEndpoint]
    /// `ws`: web seed URLs.
    public var webSeeds: [String]
    /// `so` (BEP 53): indices of the files to download; nil means all.
    public var selectedFiles: [Int]?

    public init(infoHash: InfoHash, infoHashV2: InfoHashV2? = nil, displayName: String? = nil, trackers: [String] = [],
                peers: [PeerEndpoint] = [], webSeeds: [String] = [], selectedFiles: [Int]? = nil) {
        self.infoHash = infoHash
        self.infoHashV2 = infoHashV2
        self.displayName = displayName
        self.trackers = trackers
        self.peers = peers
        self.webSeeds = webSeeds
        self.selectedFiles = selectedFiles
    }

    /// A link for a v2-only torrent, named on the wire by its truncated v2 hash.
    public init(infoHashV2: InfoHashV2, displayName: String? = nil, trackers: [String] = [],
                peers: [PeerEndpoint] = [], webSeeds: [String] = [], selectedFiles: [Int]? = nil) {
        self.init(infoHash: infoHashV2.truncated, infoHashV2: infoHashV2, displayName: displayName,
                  trackers: trackers, peers: peers, webSeeds: webSeeds, selectedFiles: selectedFiles)
    }

    /// True when the link has only a v2 hash (no `btih`).
    public var isV2Only: Bool { infoHashV2.map { $0.truncated == infoHash } ?? false }

    /// Parses `magnet:?xt=urn:btih:…&…` and `xt=urn:btmh:1220…` (BEP 52), or both for a hybrid.
    public init(parsing text: String) throws(MagnetLinkError) {
        let trimmed = text.trimmingWhitespace()
        guard trimmed.lowercased().hasPrefix("magnet:?") else { throw .notAMagnetLink }
        let query = trimmed.dropFirst("magnet:?".count)

        var hash: InfoHash?
        var hashV2: InfoHashV2?
        var name: String?
        var trackers: [String] = []
        var peers: [PeerEndpoint] = []
        var webSeeds: [String] = []
        var selected: [Int]?

        for pair in query.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = String(parts[0]).lowercased()
            guard let value = Self.percentDecode(parts.count > 1 ? parts[1] : "", plusIsSpace: key == "dn") else {
                throw .badEncoding(key)
            }
            switch key {
            case "xt":
                let lower = value.lowercased()
                if lower.hasPrefix("urn:btih:") {
                    guard let parsed = InfoHash(text: value.dropFirst("urn:btih:".count)) else {
                        throw .badInfoHash(String(value.dropFirst("urn:btih:".count)))
                    }
                    if let hash, hash != parsed { throw .conflictingInfoHashes }
                    hash = parsed
                } else if lower.hasPrefix("urn:btmh:") {
                    let multihash = value.dropFirst("urn:btmh:".count)
                    guard multihash.lowercased().hasPrefix("1220"),
                          let parsed = InfoHashV2(hex: multihash.dropFirst(4)) else {
                        throw .badInfoHashV2(String(multihash))
                    }
                    if let hashV2, hashV2 != parsed { throw .conflictingInfoHashes }
                    hashV2 = parsed
                }
            case "dn": name = value
            case "tr": if !value.isEmpty { trackers.append(value) }
            case "ws": if !value.isEmpty { webSeeds.append(value) }
            case "x.pe":
                guard let peer = PeerEndpoint(parsing: value) else { throw .badPeer(value) }
                peers.append(peer)
            case "so":
                guard let indices = Self.parseSelection(value, alreadySelected: selected?.count ?? 0) else {
                    throw .badSelection(value)
                }
                selected = (selected ?? []) + indices
            default:
                continue  // Unknown keys (xl, kt, as, …) are allowed and ignored.
            }
        }
        guard let wireHash = hash ?? hashV2?.truncated else { throw .missingInfoHash }
        self.init(infoHash: wireHash, infoHashV2: hashV2, displayName: name, trackers: trackers, peers: peers,
                  webSeeds: webSeeds, selectedFiles: selected.map { Array(Set($0)).sorted() })
    }

    /// The link as text, with the hash in hex.
    public var description: String {
        var parts: [String] = []
        if !isV2Only { parts.append("xt=urn:btih:" + infoHash.hex) }
        if let infoHashV2 { parts.append("xt=urn:btmh:" + infoHashV2.multihash) }
        if let displayName { parts.append("dn=" + Self.percentEncode(displayName)) }
        parts += trackers.map { "tr=" + Self.percentEncode($0) }
        parts += webSeeds.map { "ws=" + Self.percentEncode($0) }
        parts += peers.map { "x.pe=" + Self.percentEncode($0.description) }
        if let selectedFiles, !selectedFiles.isEmpty {
            parts.append("so=" + selectedFiles.map(String.init).joined(separator: ","))
        }
        return "magnet:?" + parts.joined(separator: "&")
    }

    // MARK: - Helpers

    /// The most file indices one link may select, counted over all its `so` parameters.
    static let maxSelectedFiles = 100_000

    /// `0,2,4-6` → [0, 2, 4, 5, 6]. The total is bounded over the whole link, so a hostile one can
    /// ask for neither billions in one range nor millions in many `so=0-99999` parameters.
    private static func parseSelection(_ text: String, alreadySelected: Int) -> [Int]? {
        var out: [Int] = []
        for item in text.split(separator: ",") {
            let bounds = item.split(separator: "-", omittingEmptySubsequences: false)
            guard bounds.count <= 2, let low = Int(bounds[0]), low >= 0 else { return nil }
            let high = bounds.count == 2 ? Int(bounds[1]) : low
            guard let high, high >= low, high - low < maxSelectedFiles - alreadySelected - out.count else { return nil }
            out.append(contentsOf: low...high)
        }
        return out.isEmpty ? nil : out
    }

    private static func percentDecode(_ text: Substring, plusIsSpace: Bool) -> String? {
        var bytes: [UInt8] = []
        var iterator = Array(text.utf8).makeIterator()
        while let c = iterator.next() {
            if c == UInt8(ascii: "%") {
                guard let h = iterator.next(), let l = iterator.next(), let v = Hex.decode(String(decoding: [h, l], as: UTF8.self)) else {
                    return nil
                }
                bytes.append(v[0])
            } else if c == UInt8(ascii: "+") && plusIsSpace {
                bytes.append(UInt8(ascii: " "))
            } else {
                bytes.append(c)
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }

    /// Unreserved characters (RFC 3986) stay; every other UTF-8 byte becomes `%XX`. Also used for
    /// web seed paths.
    static func percentEncode(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."),
                 UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.unicodeScalars.append(UnicodeScalar(byte))
            default:
                out += "%" + Hex.encode([byte]).uppercased()
            }
        }
        return out
    }
}

/// Why a magnet link was rejected.
public enum MagnetLinkError: Error, Equatable, Sendable, CustomStringConvertible {
    case notAMagnetLink
    case missingInfoHash
    case badInfoHash(String)
    case conflictingInfoHashes
    case badEncoding(String)
    case badPeer(String)
    case badSelection(String)
    case badInfoHashV2(String)

    public var description: String {
        switch self {
        case .notAMagnetLink: return "not a magnet link (it must start with 'magnet:?')"
        case .missingInfoHash: return "the magnet link has no 'xt=urn:btih:' or 'xt=urn:btmh:' info-hash"
        case .badInfoHash(let text): return "the magnet link's info-hash '\(Self.clip(text))' is not 40 hex or 32 base32 characters"
        case .conflictingInfoHashes: return "the magnet link names two different info-hashes"
        case .badEncoding(let key): return "the magnet link's '\(Self.clip(key))' value has a broken %-escape or is not UTF-8"
        case .badPeer(let text): return "the magnet link's peer '\(Self.clip(text))' is not HOST:PORT"
        case .badSelection(let text): return "the magnet link's file selection 'so=\(Self.clip(text))' is not a list like 0,2,4-6"
        case .badInfoHashV2(let text):
            return "the magnet link's v2 info-hash '\(Self.clip(text))' is not 1220 followed by 64 hex characters"
        }
    }

    /// An echoed value cut to a readable length: a hostile link can be megabytes long.
    static func clip(_ text: String, limit: Int = 64) -> String {
        text.count <= limit ? text : String(text.prefix(limit)) + "… (\(text.utf8.count) bytes)"
    }
}

extension String {
    func trimmingWhitespace() -> String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
              let last = scalars.lastIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        return String(scalars[first...last])
    }
}
