import Crypto

/// The SHA-256 of a BitTorrent v2 `info` dictionary (BEP 52).
///
/// On the wire, in trackers and in the DHT a v2 torrent is named by the first 20 bytes of this
/// hash (`truncated`); magnet links carry the whole hash as `xt=urn:btmh:1220…`.
public struct InfoHashV2: Hashable, Sendable, CustomStringConvertible {
    /// The 32 raw bytes.
    public let bytes: [UInt8]

    /// Wraps 32 raw bytes; nil for any other length.
    public init?(bytes: some Collection<UInt8>) {
        guard bytes.count == 32 else { return nil }
        self.bytes = Array(bytes)
    }

    /// Parses 64 hex digits.
    public init?(hex text: some StringProtocol) {
        guard text.utf8.count == 64, let raw = Hex.decode(text) else { return nil }
        self.bytes = raw
    }

    /// The v2 info-hash of the given bencoded `info` bytes.
    public init(hashingInfo info: some Collection<UInt8>) {
        var hasher = SHA256()
        hasher.update(data: Array(info))
        self.bytes = Array(hasher.finalize())
    }

    /// The first 20 bytes: the name of a v2 torrent wherever the protocol has room for 20 bytes only.
    public var truncated: InfoHash { InfoHash(bytes: bytes.prefix(20))! }

    /// 64 lowercase hex characters.
    public var hex: String { Hex.encode(bytes) }

    /// The multihash form used by magnet links: `1220` (SHA-256, 32 bytes) then the hex digest.
    public var multihash: String { "1220" + hex }

    public var description: String { hex }
}
