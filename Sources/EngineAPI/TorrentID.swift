/// Names one torrent in the engine: its v1 info-hash as 40 lowercase hex characters, or for a
/// BitTorrent v2-only torrent its SHA-256 info-hash as 64 (a hybrid keeps its v1 hex).
public struct TorrentID: Hashable, Sendable, Comparable, CustomStringConvertible {
    public let hex: String

    public init(hex: String) {
        self.hex = hex.lowercased()
    }

    public var description: String { hex }

    public static func < (a: TorrentID, b: TorrentID) -> Bool { a.hex < b.hex }
}
