import TorrentCore

/// Which kind of address a compact peer entry holds.
public enum PeerAddressFamily: Hashable, Sendable {
    /// 4 address bytes + 2 port bytes (BEP 23).
    case ipv4
    /// 16 address bytes + 2 port bytes (BEP 7).
    case ipv6

    /// Bytes per compact entry.
    public var compactLength: Int { self == .ipv4 ? 6 : 18 }
}

/// Decodes compact peer lists (trackers, UDP trackers, PEX) into endpoints, bounding what a
/// hostile list can cost and saying what was dropped.
public struct CompactPeers: Sendable {
    /// The peers kept, in the order given, without duplicates.
    public private(set) var peers: [PeerEndpoint] = []
    /// One line per kind of entry dropped (odd length, port 0, over the limit, duplicates).
    public private(set) var notes: [String] = []
    /// The most peers kept in total.
    public let limit: Int
    private var seen: Set<PeerEndpoint> = []

    public init(limit: Int) {
        self.limit = max(0, limit)
    }

    /// Appends the entries of `bytes` (a whole number of `family.compactLength`-byte entries;
    /// a partial trailing entry is ignored with a note). `field` names the list in notes.
    public mutating func append(compact bytes: some Collection<UInt8>, family: PeerAddressFamily, field: String) {
        let raw = Array(bytes)
        let length = family.compactLength
        let whole = raw.count / length
        if raw.count % length != 0 {
            notes.append("\(field) has \(raw.count) bytes, not a multiple of \(length); ignored the last \(raw.count % length)")
        }
        var zeroPorts = 0
        var duplicates = 0
        var overLimit = 0
        for entry in 0..<whole {
            guard peers.count < limit else {
                overLimit = whole - entry
                break
            }
            let start = entry * length
            let portOffset = start + length - 2
            let port = UInt16(raw[portOffset]) << 8 | UInt16(raw[portOffset + 1])
            guard port != 0 else {
                zeroPorts += 1
                continue
            }
            let address = raw[start..<portOffset]
            let host = family == .ipv4 ? IPAddressText.ipv4(address) : IPAddressText.ipv6(address)
            if !insert(PeerEndpoint(host: host, port: port)) { duplicates += 1 }
        }
        note(zeroPorts: zeroPorts, duplicates: duplicates, overLimit: overLimit, field: field)
    }

    /// Appends an already-decoded peer (from a non-compact list); false if it was a duplicate or over the limit.
    @discardableResult
    public mutating func append(_ peer: PeerEndpoint) -> Bool {
        guard peers.count < limit else { return false }
        return insert(peer)
    }

    /// Records a note about entries the caller dropped.
    public mutating func addNote(_ note: String) {
        notes.append(note)
    }

    private mutating func insert(_ peer: PeerEndpoint) -> Bool {
        guard seen.insert(peer).inserted else { return false }
        peers.append(peer)
        return true
    }

    private mutating func note(zeroPorts: Int, duplicates: Int, overLimit: Int, field: String) {
        if zeroPorts > 0 { notes.append("\(field): skipped \(zeroPorts) with port 0") }
        if duplicates > 0 { notes.append("\(field): skipped \(duplicates) duplicates") }
        if overLimit > 0 { notes.append("\(field): ignored \(overLimit) past the limit of \(limit) peers") }
    }
}
