import Bencode
import TorrentCore

/// A tracker's counts for one torrent.
public struct ScrapeStats: Hashable, Sendable {
    /// Peers with the whole torrent (`complete`).
    public var seeders: Int
    /// Times the tracker saw the torrent completed (`downloaded`).
    public var completed: Int
    /// Peers still downloading (`incomplete`).
    public var leechers: Int

    public init(seeders: Int, completed: Int, leechers: Int) {
        self.seeders = seeders
        self.completed = completed
        self.leechers = leechers
    }
}

/// A tracker's answer to a scrape (BEP 48): counts for each torrent asked about.
public struct ScrapeResponse: Hashable, Sendable {
    /// Counts by info-hash; torrents the tracker does not know are absent.
    public var files: [InfoHash: ScrapeStats]
    /// What was dropped or ignored while reading the reply, one line each.
    public var notes: [String]

    public init(files: [InfoHash: ScrapeStats] = [:], notes: [String] = []) {
        self.files = files
        self.notes = notes
    }

    /// The most torrents read from one reply unless the caller asks otherwise.
    public static let defaultFileLimit = 1000

    /// Parses a bencoded HTTP scrape reply. Missing counts read as 0; a `failure reason` throws
    /// `TrackerReplyError.failure`.
    public static func parse(_ bytes: [UInt8], fileLimit: Int = defaultFileLimit) throws(TrackerReplyError) -> ScrapeResponse {
        let root = try TrackerReplyRoot.decode(bytes)
        guard let files = root["files"] else { return ScrapeResponse() }
        guard let entries = files.dictionary else { throw .wrongFieldType(field: "files", expected: "a dictionary") }

        var response = ScrapeResponse()
        var malformed = 0
        var overLimit = 0
        // Sorted so that which entries survive the limit does not depend on hash order.
        for key in entries.keys.sorted(by: { $0.lexicographicallyPrecedes($1) }) {
            guard response.files.count < fileLimit else {
                overLimit += 1
                continue
            }
            guard let infoHash = InfoHash(bytes: key), let stats = entries[key], case .dictionary = stats else {
                malformed += 1
                continue
            }
            response.files[infoHash] = ScrapeStats(seeders: count(stats["complete"]),
                                                   completed: count(stats["downloaded"]),
                                                   leechers: count(stats["incomplete"]))
        }
        if malformed > 0 { response.notes.append("files: skipped \(malformed) entries that are not a 20-byte hash and a dictionary") }
        if overLimit > 0 { response.notes.append("files: ignored \(overLimit) past the limit of \(fileLimit)") }
        return response
    }

    private static func count(_ value: BencodeValue?) -> Int {
        guard let number = value?.integer else { return 0 }
        return Int(min(max(number, 0), Int64(Int32.max)))
    }
}
