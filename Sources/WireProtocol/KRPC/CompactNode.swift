import TorrentCore

/// A DHT node's id and UDP address as sent in `nodes` (26 bytes each) and `nodes6` (38 bytes each).
public struct CompactNode: Hashable, Sendable {
    public var id: NodeID
    public var endpoint: PeerEndpoint

    public init(id: NodeID, endpoint: PeerEndpoint) {
        self.id = id
        self.endpoint = endpoint
    }

    /// Decodes a string of concatenated entries of `family`; entries with port 0 are dropped, and
    /// a partial trailing entry is an error.
    public static func decodeList(_ bytes: [UInt8], family: PeerAddressFamily) throws(KRPCError) -> [CompactNode] {
        let length = NodeID.length + family.compactLength
        guard bytes.count % length == 0 else {
            throw .badField(family == .ipv4 ? "nodes" : "nodes6", "\(bytes.count) bytes is not a multiple of \(length)")
        }
        var out: [CompactNode] = []
        out.reserveCapacity(bytes.count / length)
        var start = 0
        while start < bytes.count {
            let id = NodeID(bytes: bytes[start..<start + NodeID.length])
            let peer = CompactPeerValue.decode(bytes[(start + NodeID.length)..<(start + length)])
            if let id, let peer { out.append(CompactNode(id: id, endpoint: peer)) }
            start += length
        }
        return out
    }

    /// Encodes nodes of one family; nodes whose host is not a literal of that family are skipped.
    public static func encodeList(_ nodes: [CompactNode], family: PeerAddressFamily) -> [UInt8] {
        var out: [UInt8] = []
        for node in nodes {
            guard let address = CompactPeerValue.encode(node.endpoint), address.count == family.compactLength else {
                continue
            }
            out += node.id.bytes
            out += address
        }
        return out
    }
}
