/// The selective-ack extension (BEP 29, extension 1): a bit mask of packets received after the
/// gap. Bit 0 (the least significant bit of the first byte) stands for `ack_nr + 2`, since
/// `ack_nr + 1` is by definition the one missing. The BEP asks for whole 32-bit words, but
/// libtorrent 2.0 sends as few whole bytes as the gap needs (a 1-byte mask is common), so any
/// non-zero length is read; rill sends whole words.
public struct UTPSelectiveAck: Equatable, Sendable {
    /// The mask as sent.
    public private(set) var bytes: [UInt8]

    /// A mask from its wire bytes; nil when empty.
    public init?(bytes: [UInt8]) {
        guard !bytes.isEmpty else { return nil }
        self.bytes = bytes
    }

    /// A mask of `bitCount` bits (rounded up to whole 32-bit words) with the given offsets set;
    /// offset 0 means `ack_nr + 2`. Offsets outside the mask are ignored.
    public init(bitCount: Int, received offsets: some Sequence<Int>) {
        let words = max(1, (bitCount + 31) / 32)
        bytes = [UInt8](repeating: 0, count: words * 4)
        for offset in offsets where offset >= 0 && offset < bytes.count * 8 {
            bytes[offset / 8] |= 1 << UInt8(offset % 8)
        }
    }

    /// How many packets the mask covers.
    public var bitCount: Int { bytes.count * 8 }

    /// Whether the packet `ack_nr + 2 + offset` was received.
    public func isReceived(offset: Int) -> Bool {
        guard offset >= 0, offset < bitCount else { return false }
        return bytes[offset / 8] & (1 << UInt8(offset % 8)) != 0
    }

    /// The offsets marked received, lowest first.
    public var receivedOffsets: [Int] { (0..<bitCount).filter(isReceived(offset:)) }
}
