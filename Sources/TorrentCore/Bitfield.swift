/// One bit per piece, most significant bit of the first byte for piece 0 (the wire format of BEP 3).
public struct Bitfield: Hashable, Sendable {
    /// Number of pieces the field covers.
    public let count: Int
    /// The packed bits; spare bits at the end are always zero.
    public private(set) var bytes: [UInt8]
    /// How many bits are set, kept up to date on every change.
    public private(set) var setCount: Int

    /// A field of `count` bits, all clear (or all set).
    public init(count: Int, allSet: Bool = false) {
        precondition(count >= 0)
        self.count = count
        self.bytes = [UInt8](repeating: 0, count: (count + 7) / 8)
        self.setCount = 0
        if allSet {
            for i in 0..<count { self[i] = true }
        }
    }

    /// Reads a packed field from the wire; nil when the length is wrong or a spare bit is set.
    public init?(bytes: [UInt8], count: Int) {
        guard count >= 0, bytes.count == (count + 7) / 8 else { return nil }
        let spare = bytes.count * 8 - count
        if spare > 0, let last = bytes.last, last & UInt8((1 << spare) - 1) != 0 { return nil }
        self.count = count
        self.bytes = bytes
        self.setCount = bytes.reduce(0) { $0 + $1.nonzeroBitCount }
    }

    public subscript(index: Int) -> Bool {
        get {
            precondition(index >= 0 && index < count, "bit \(index) out of range 0..<\(count)")
            return bytes[index >> 3] & (0x80 >> UInt8(index & 7)) != 0
        }
        set {
            precondition(index >= 0 && index < count, "bit \(index) out of range 0..<\(count)")
            let mask: UInt8 = 0x80 >> UInt8(index & 7)
            let old = bytes[index >> 3] & mask != 0
            guard old != newValue else { return }
            if newValue {
                bytes[index >> 3] |= mask
                setCount += 1
            } else {
                bytes[index >> 3] &= ~mask
                setCount -= 1
            }
        }
    }

    public subscript(piece: PieceIndex) -> Bool {
        get { self[piece.value] }
        set { self[piece.value] = newValue }
    }

    /// True when every bit is set.
    public var isComplete: Bool { setCount == count }

    /// True when no bit is set.
    public var isEmpty: Bool { setCount == 0 }

    /// Indices of the set bits, in order.
    public var setIndices: [Int] {
        var out: [Int] = []
        out.reserveCapacity(setCount)
        for (byteIndex, byte) in bytes.enumerated() where byte != 0 {
            for bit in 0..<8 where byte & (0x80 >> UInt8(bit)) != 0 {
                out.append(byteIndex * 8 + bit)
            }
        }
        return out
    }
}
