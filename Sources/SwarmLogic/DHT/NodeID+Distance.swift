import WireProtocol

extension NodeID {
    /// The XOR distance to `other`, itself a 160-bit number (smaller is closer).
    public func distance(to other: NodeID) -> NodeID {
        // Both sides hold 20 bytes, so the result does too.
        NodeID(unchecked: zip(bytes, other.bytes).map { $0 ^ $1 })
    }

    /// How many leading bits `self` and `other` share (160 when equal).
    public func commonPrefixLength(with other: NodeID) -> Int {
        for index in 0..<NodeID.length {
            let difference = bytes[index] ^ other.bytes[index]
            if difference != 0 { return index * 8 + difference.leadingZeroBitCount }
        }
        return NodeID.length * 8
    }

    /// A random id.
    public static func random(using generator: inout some RandomNumberGenerator) -> NodeID {
        NodeID(unchecked: (0..<NodeID.length).map { _ in UInt8.random(in: .min ... .max, using: &generator) })
    }

    /// A random id sharing exactly the first `prefixLength` bits with `self` (for `prefixLength`
    /// below 160), i.e. a random id in the bucket at that depth.
    public func random(sharingPrefix prefixLength: Int, using generator: inout some RandomNumberGenerator) -> NodeID {
        var out = NodeID.random(using: &generator).bytes
        let shared = min(max(prefixLength, 0), NodeID.length * 8)
        for bit in 0..<shared {
            let mask = UInt8(0x80) >> UInt8(bit % 8)
            out[bit / 8] = (out[bit / 8] & ~mask) | (bytes[bit / 8] & mask)
        }
        if shared < NodeID.length * 8 {
            let mask = UInt8(0x80) >> UInt8(shared % 8)
            out[shared / 8] = (out[shared / 8] & ~mask) | (~bytes[shared / 8] & mask)
        }
        return NodeID(unchecked: out)
    }

    init(unchecked bytes: [UInt8]) {
        // Callers pass exactly 20 bytes.
        self = NodeID(bytes: bytes) ?? NodeID(bytes: [UInt8](repeating: 0, count: NodeID.length))!
    }
}
