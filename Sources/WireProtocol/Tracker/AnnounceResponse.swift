import Bencode
import TorrentCore

/// A tracker's answer to an announce: when to come back, swarm counts, and peers.
///
/// Parsing is bounded for hostile replies: peers are capped, malformed entries are dropped and
/// described in `notes`, and out-of-range numbers are ignored rather than trusted.
public struct AnnounceResponse: Hashable, Sendable {
    /// Seconds until the tracker wants the next regular announce.
    public var interval: Int?
    /// Seconds the tracker asks clients to wait at least between announces.
    public var minInterval: Int?
    /// An id to send back as `trackerid` in later announces to this tracker.
    public var trackerID: [UInt8]?
    /// Peers with the whole torrent (`complete`).
    public var seeders: Int?
    /// Peers still downloading (`incomplete`).
    public var leechers: Int?
    /// A `warning message`: the announce worked, but the tracker wants the user to know something.
    public var warning: String?
    /// Peers from `peers` (compact or a list of dictionaries) and `peers6`, without duplicates.
    public var peers: [PeerEndpoint]
    /// What was dropped or ignored while reading the reply, one line each.
    public var notes: [String]

    public init(interval: Int? = nil, minInterval: Int? = nil, trackerID: [UInt8]? = nil, seeders: Int? = nil,
                leechers: Int? = nil, warning: String? = nil, peers: [PeerEndpoint] = [], notes: [String] = []) {
        self.interval = interval
        self.minInterval = minInterval
        self.trackerID = trackerID
        self.seeders = seeders
        self.leechers = leechers
        self.warning = warning
        self.peers = peers
        self.notes = notes
    }

    /// The most peers kept from one reply unless the caller asks otherwise.
    public static let defaultPeerLimit = 2000

    /// Parses a bencoded HTTP announce reply (BEP 3, 7, 23). A `failure reason` throws
    /// `TrackerReplyError.failure`.
    public static func parse(_ bytes: [UInt8], peerLimit: Int = defaultPeerLimit) throws(TrackerReplyError) -> AnnounceResponse {
        let root = try TrackerReplyRoot.decode(bytes)

        var response = AnnounceResponse()
        var notes: [String] = []
        response.interval = Self.count(root, "interval", notes: &notes)
        response.minInterval = Self.count(root, "min interval", notes: &notes)
        response.seeders = Self.count(root, "complete", notes: &notes)
        response.leechers = Self.count(root, "incomplete", notes: &notes)
        if let warning = root["warning message"]?.bytes {
            response.warning = TrackerReplyError.displayText(warning)
        }
        if let trackerID = root["tracker id"]?.bytes, !trackerID.isEmpty {
            if trackerID.count <= 256 {
                response.trackerID = trackerID
            } else {
                notes.append("ignored a tracker id of \(trackerID.count) bytes")
            }
        }

        var peers = CompactPeers(limit: peerLimit)
        switch root["peers"] {
        case .bytes(let compact)?:
            peers.append(compact: compact, family: .ipv4, field: "peers")
        case .list(let entries)?:
            Self.appendDictionaryPeers(entries, to: &peers)
        case nil:
            break
        default:
            notes.append("ignored peers: neither a string nor a list")
        }
        switch root["peers6"] {
        case .bytes(let compact)?:
            peers.append(compact: compact, family: .ipv6, field: "peers6")
        case nil:
            break
        default:
            notes.append("ignored peers6: not a string")
        }
        response.peers = peers.peers
        response.notes = notes + peers.notes
        return response
    }

    /// Reads the non-compact form: a list of `{ip, port, peer id}` dictionaries. Peer ids are not
    /// kept; the handshake checks them.
    private static func appendDictionaryPeers(_ entries: [BencodeValue], to peers: inout CompactPeers) {
        var malformed = 0
        var zeroPorts = 0
        var overLimit = 0
        for (position, entry) in entries.enumerated() {
            guard peers.peers.count < peers.limit else {
                overLimit = entries.count - position
                break
            }
            guard let ipText = entry["ip"]?.bytes, ipText.count <= 253,
                  let host = IPAddressText.canonicalHost(String(decoding: ipText, as: UTF8.self)),
                  let portValue = entry["port"]?.integer, (0...65535).contains(portValue) else {
                malformed += 1
                continue
            }
            guard portValue != 0 else {
                zeroPorts += 1
                continue
            }
            peers.append(PeerEndpoint(host: host, port: UInt16(portValue)))
        }
        if malformed > 0 { peers.addNote("peers: skipped \(malformed) entries without a valid ip and port") }
        if zeroPorts > 0 { peers.addNote("peers: skipped \(zeroPorts) with port 0") }
        if overLimit > 0 { peers.addNote("peers: ignored \(overLimit) past the limit of \(peers.limit) peers") }
    }

    /// A number (seconds or peers) in 0…`Int32.max`; anything else is dropped with a note.
    private static func count(_ root: BencodeValue, _ key: String, notes: inout [String]) -> Int? {
        guard let value = root[key] else { return nil }
        guard let number = value.integer else {
            notes.append("ignored \(key): not an integer")
            return nil
        }
        guard (0...Int64(Int32.max)).contains(number) else {
            notes.append("ignored \(key) \(number): out of range")
            return nil
        }
        return Int(number)
    }
}
