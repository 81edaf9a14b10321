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

/// SplitMix64, for repeatable randomness.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
