import EngineAPI
import TorrentCore

extension TorrentID {
    /// The id of a torrent: its v1 info-hash in hex, or for a v2-only torrent its 64-hex SHA-256
    /// info-hash (a hybrid keeps its v1 hex).
    public init(_ info: TorrentInfo) {
        self.init(hex: info.version == .v2 ? info.infoHashV2!.hex : info.infoHash.hex)
    }

    /// The id the torrent of `link` will have.
    public init(_ link: MagnetLink) {
        self.init(hex: link.isV2Only ? link.infoHashV2!.hex : link.infoHash.hex)
    }
}

extension InfoHash {
    /// The 20-byte wire hash an id names: the id itself, or the first half of a v2 id.
    init?(id: TorrentID) {
        guard id.hex.utf8.count == 40 || id.hex.utf8.count == 64 else { return nil }
        self.init(text: id.hex.prefix(40))
    }
}
