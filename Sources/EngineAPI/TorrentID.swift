/// Names one torrent in the engine: its v1 info-hash as 40 lowercase hex characters.
public struct TorrentID: Hashable, Sendable, Comparable, CustomStringConvertible {
    public let hex: String

    public init(hex: String) {
        self.hex = hex.lowercased()
    }

    public var description: String { hex }

    public static func < (a: TorrentID, b: TorrentID) -> Bool { a.hex < b.hex }
}
