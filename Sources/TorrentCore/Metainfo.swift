import Bencode

/// A parsed `.torrent` file: the `info` dictionary plus where to find peers and who made it.
public struct Metainfo: Sendable {
    public let info: TorrentInfo
    /// Tracker URLs grouped in tiers (BEP 12); a lone `announce` becomes one tier of one.
    public let trackerTiers: [[String]]
    /// Web seed URLs (BEP 19), kept for later use.
    public let webSeeds: [String]
    /// Seconds since 1970, when the creator recorded it.
    public let creationDate: Int64?
    public let comment: String?
    public let createdBy: String?

    /// The 20-byte info-hash used on the wire (the v2 one truncated for a v2-only torrent).
    public var infoHash: InfoHash { info.infoHash }
    public var name: String { info.name }
    /// Warnings about the torrent that do not stop it from being used.
    public var warnings: [String] { info.warnings }

    public init(info: TorrentInfo, trackerTiers: [[String]] = [], webSeeds: [String] = [],
                creationDate: Int64? = nil, comment: String? = nil, createdBy: String? = nil) {
        self.info = info
        self.trackerTiers = trackerTiers
        self.webSeeds = webSeeds
        self.creationDate = creationDate
        self.comment = comment
        self.createdBy = createdBy
    }

    /// Parses the bytes of a `.torrent` file.
    public init(bytes: [UInt8]) throws(MetainfoError) {
        let document: BencodeDocument
        do {
            document = try BencodeDecoder().decodeDocument(bytes)
        } catch {
            throw .notBencode(error.description)
        }
        let root = document.root
        guard root.dictionary != nil else { throw .notADictionary }
        guard let infoValue = root["info"], let range = document.infoRange else { throw .missingField("info") }
        var info = try TorrentInfo(value: infoValue, rawInfo: Array(bytes[range]))
        info = try info.withPieceLayers(try Self.pieceLayers(in: root))
        // BEP 52: a v2 `.torrent` carries the layers; without them no big file's piece could be checked.
        if info.version == .v2 && !info.hasAllPieceHashes { throw .missingPieceLayers }

        var tiers: [[String]] = []
        if let list = root["announce-list"]?.list {
            for tier in list {
                let urls = (tier.list ?? []).compactMap { $0.text }.filter { !$0.isEmpty }
                if !urls.isEmpty { tiers.append(urls) }
            }
        }
        if tiers.isEmpty, let announce = root["announce"]?.text, !announce.isEmpty {
            tiers = [[announce]]
        }

        var webSeeds: [String] = []
        if let single = root["url-list"]?.text, !single.isEmpty {
            webSeeds = [single]
        } else if let list = root["url-list"]?.list {
            webSeeds = list.compactMap { $0.text }.filter { !$0.isEmpty }
        }

        self.init(info: info, trackerTiers: tiers, webSeeds: webSeeds,
                  creationDate: root["creation date"]?.integer,
                  comment: root["comment.utf-8"]?.text ?? root["comment"]?.text,
                  createdBy: root["created by"]?.text)
    }

    /// A magnet link naming this torrent, its trackers and web seeds.
    public var magnetLink: MagnetLink {
        MagnetLink(infoHash: infoHash, infoHashV2: info.infoHashV2, displayName: name, trackers: trackerTiers.flatMap { $0 },
                   webSeeds: webSeeds)
    }
}
