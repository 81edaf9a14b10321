import SwarmLogic
import TorrentCore
import WireProtocol

/// An id whose first byte is `first` and the rest `fill`.
func nodeID(_ first: UInt8, fill: UInt8 = 0) -> NodeID {
    NodeID(bytes: [first] + [UInt8](repeating: fill, count: 19))!
}

func node(_ first: UInt8, fill: UInt8 = 0, host: String? = nil, port: UInt16 = 6881) -> CompactNode {
    CompactNode(id: nodeID(first, fill: fill), endpoint: PeerEndpoint(host: host ?? "10.0.\(first).\(fill)", port: port))
}

