import Bencode
import TorrentCore

/// A BEP 11 `ut_pex` message: peers the sender connected to (`added`, with flags) and peers it
/// lost (`dropped`) since its last message, in compact form for IPv4 and IPv6.
public struct PexMessage: Hashable, Sendable {
    /// One peer the sender knows, with what it knows of it.
    public struct Peer: Hashable, Sendable {
        public var endpoint: PeerEndpoint
        public var flags: PexFlags

        public init(_ endpoint: PeerEndpoint, flags: PexFlags = []) {
            self.endpoint = endpoint
            self.flags = flags
        }
    }

    public var added: [Peer]
    public var dropped: [PeerEndpoint]

    /// The most entries read from one list of an incoming message; libtorrent sends at most 50
    /// added and 50 dropped, so more than this is a hostile or broken peer.
    public static let maxEntriesRead = 200

    public init(added: [Peer] = [], dropped: [PeerEndpoint] = []) {
        self.added = added
        self.dropped = dropped
    }

    // MARK: - Encoding

    /// The bencoded dictionary; peers whose host is not an IP literal are left out.
    public func encoded() -> [UInt8] {
        var added4: [UInt8] = [], flags4: [UInt8] = [], added6: [UInt8] = [], flags6: [UInt8] = []
        var dropped4: [UInt8] = [], dropped6: [UInt8] = []
        for peer in added {
            if let compact = Self.compact(peer.endpoint) {
                if compact.count == 6 {
                    added4 += compact
                    flags4.append(peer.flags.rawValue)
                } else {
                    added6 += compact
                    flags6.append(peer.flags.rawValue)
                }
            }
        }
        for endpoint in dropped {
            if let compact = Self.compact(endpoint) {
                if compact.count == 6 { dropped4 += compact } else { dropped6 += compact }
            }
        }
        return BencodeValue.dict([
            "added": .bytes(added4), "added.f": .bytes(flags4), "dropped": .bytes(dropped4),
            "added6": .bytes(added6), "added6.f": .bytes(flags6), "dropped6": .bytes(dropped6),
        ]).encoded()
    }

    /// 6 bytes for IPv4, 18 for IPv6, nil when the host is not an address literal.
    static func compact(_ endpoint: PeerEndpoint) -> [UInt8]? {
        let port = [UInt8(endpoint.port >> 8), UInt8(endpoint.port & 0xFF)]
        if let address = IPAddressText.parseIPv4(endpoint.host) { return address + port }
        if let address = IPAddressText.parseIPv6(endpoint.host) { return address + port }
        return nil
    }

    // MARK: - Decoding

    /// Reads a message; lists longer than `maxEntriesRead` entries are cut to it, broken entries
    /// (odd lengths, port 0) are skipped, missing flags read as none.
    public init(decoding bytes: [UInt8]) throws(PexMessageError) {
        let root: BencodeValue
        do {
            root = try BencodeDecoder(maxDepth: 4, maxStringLength: 64 * 1024).decode(bytes)
        } catch {
            throw .invalidBencode
        }
        guard root.dictionary != nil else { throw .notADictionary }
        var added: [Peer] = []
        var dropped: [PeerEndpoint] = []
        for (field, flagField, family) in [("added", "added.f", PeerAddressFamily.ipv4),
                                           ("added6", "added6.f", PeerAddressFamily.ipv6)] {
            guard let raw = root[field]?.bytes else { continue }
            let entries = Self.read(raw, family: family)
            let flags = root[flagField]?.bytes ?? []
            for (index, endpoint) in entries {
                let flag = index < flags.count ? PexFlags(rawValue: flags[index]) : []
                added.append(Peer(endpoint, flags: flag))
            }
        }
        for (field, family) in [("dropped", PeerAddressFamily.ipv4), ("dropped6", PeerAddressFamily.ipv6)] {
            guard let raw = root[field]?.bytes else { continue }
            dropped += Self.read(raw, family: family).map(\.endpoint)
        }
        self.init(added: added, dropped: dropped)
    }

    /// Entries of a compact list with their position (to match flags), at most `maxEntriesRead`.
    private static func read(_ raw: [UInt8], family: PeerAddressFamily) -> [(index: Int, endpoint: PeerEndpoint)] {
        let length = family.compactLength
        let count = min(raw.count / length, maxEntriesRead)
        var out: [(Int, PeerEndpoint)] = []
        for index in 0..<count {
            let start = index * length
            let port = UInt16(raw[start + length - 2]) << 8 | UInt16(raw[start + length - 1])
            guard port != 0 else { continue }
            let address = raw[start..<(start + length - 2)]
            let host = family == .ipv4 ? IPAddressText.ipv4(address) : IPAddressText.ipv6(address)
            out.append((index, PeerEndpoint(host: host, port: port)))
        }
        return out
    }
}

/// The per-peer flag byte of BEP 11's `added.f`.
public struct PexFlags: OptionSet, Hashable, Sendable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// The peer prefers encrypted connections.
    public static let prefersEncryption = PexFlags(rawValue: 0x01)
    /// The peer is a seed (or upload-only).
    public static let seed = PexFlags(rawValue: 0x02)
    /// The peer supports uTP.
    public static let supportsUTP = PexFlags(rawValue: 0x04)
    /// The peer supports the holepunch extension.
    public static let supportsHolepunch = PexFlags(rawValue: 0x08)
    /// The sender reached the peer itself (an outgoing connection), so it is reachable.
    public static let reachable = PexFlags(rawValue: 0x10)
}

/// Why a `ut_pex` message was refused.
public enum PexMessageError: Error, Equatable, Sendable, CustomStringConvertible {
    case invalidBencode
    case notADictionary

    public var description: String {
        switch self {
        case .invalidBencode: "peer sent a peer-exchange message that is not bencoded or is too large"
        case .notADictionary: "peer sent a peer-exchange message that is not a dictionary"
        }
    }
}
