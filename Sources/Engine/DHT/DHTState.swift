import Bencode
import Foundation
import TorrentCore
import WireProtocol

/// The DHT node's saved state: its id and the nodes of its routing table, bencoded as
/// `{"id": 20 bytes, "nodes": compact IPv4 nodes, "nodes6": compact IPv6 nodes}`.
struct DHTState: Equatable {
    var id: NodeID
    var nodes: [CompactNode]

    /// The state in `path`, or nil when the file is missing or unreadable (a fresh start).
    static func load(from path: String) -> DHTState? {
        guard let data = FileManager.default.contents(atPath: path),
              let root = try? BencodeDecoder(maxDepth: 4, maxStringLength: 1 << 20).decode(Array(data)),
              let id = root["id"]?.bytes.flatMap({ NodeID(bytes: $0) }) else { return nil }
        var nodes: [CompactNode] = []
        if let bytes = root["nodes"]?.bytes, let list = try? CompactNode.decodeList(bytes, family: .ipv4) {
            nodes += list
        }
        if let bytes = root["nodes6"]?.bytes, let list = try? CompactNode.decodeList(bytes, family: .ipv6) {
            nodes += list
        }
        return DHTState(id: id, nodes: Array(nodes.prefix(1000)))
    }

    func save(to path: String) throws {
        let root = BencodeValue.dict([
            "id": .bytes(id.bytes),
            "nodes": .bytes(CompactNode.encodeList(nodes, family: .ipv4)),
            "nodes6": .bytes(CompactNode.encodeList(nodes, family: .ipv6)),
        ])
        let folder = (path as NSString).deletingLastPathComponent
        if !folder.isEmpty { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) }
        try Data(root.encoded()).write(to: URL(fileURLWithPath: path), options: .atomic)
    }
}
