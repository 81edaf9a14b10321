import Crypto

/// The SHA-1 of a torrent's bencoded `info` dictionary: the torrent's identity in the swarm (v1).
public struct InfoHash: Hashable, Sendable, CustomStringConvertible {
    /// The 20 raw bytes.
    public let bytes: [UInt8]

    /// Wraps 20 raw bytes; nil for any other length.
    public init?(bytes: some Collection<UInt8>) {
        guard bytes.count == 20 else { return nil }
        self.bytes = Array(bytes)
    }

    /// Parses 40 hex digits or 32 base32 characters (the two forms magnet links use).
    public init?(text: some StringProtocol) {
        if text.utf8.count == 40, let raw = Hex.decode(text) {
            self.bytes = raw
        } else if text.utf8.count == 32, let raw = Base32.decode(text), raw.count == 20 {
            self.bytes = raw
        } else {
            return nil
        }
    }

    /// The info-hash of the given bencoded `info` bytes.
    public init(hashingInfo info: some Collection<UInt8>) {
        var hasher = Insecure.SHA1()
        if let done = info.withContiguousStorageIfAvailable({ hasher.update(bufferPointer: UnsafeRawBufferPointer($0)) }) {
            _ = done
        } else {
            hasher.update(data: Array(info))
        }
        self.bytes = Array(hasher.finalize())
    }

    /// 40 lowercase hex characters.
    public var hex: String { Hex.encode(bytes) }

    public var description: String { hex }
}
