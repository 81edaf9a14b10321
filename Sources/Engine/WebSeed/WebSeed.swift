import SwarmLogic
import TorrentCore
import WireProtocol

/// One web seed (BEP 19) of a torrent: its URL mapped onto the torrent's files, how it has been
/// answering, and its fetches in flight. To the picker it is one more peer (its own `PeerKey`)
/// that has every piece. Loop-confined; `TorrentRuntime+WebSeeds.swift` drives it.
final class WebSeed: @unchecked Sendable {
    let key: PeerKey
    let map: WebSeedMap
    var health = WebSeedHealth()
    var fetchesInFlight = 0
    var downloadRate = TransferRate()
    /// Bumped whenever the torrent stops using it, so replies to earlier fetches are dropped.
    var generation = 0
    var wakeScheduled = false
    var lastError: String?

    /// Web seed keys sit far above the connection counter's, so the two never meet in a picker.
    static let firstKey: UInt64 = 1 << 62

    init(index: Int, map: WebSeedMap) {
        key = PeerKey(Self.firstKey + UInt64(index))
        self.map = map
    }

    var url: String { map.baseURL }
    /// Its name in peer trust, beside peers' addresses.
    var trustName: String { "web seed " + url }

    /// The seeds to use for `urls`: HTTP and HTTPS only, each once, at most `limit`.
    static func seeds(for urls: [String], info: TorrentInfo, limit: Int = 16) -> [WebSeed] {
        var seen: Set<String> = []
        var seeds: [WebSeed] = []
        for url in urls where seeds.count < limit && seen.insert(url).inserted {
            let lowered = url.lowercased()
            guard lowered.hasPrefix("http://") || lowered.hasPrefix("https://") else { continue }
            seeds.append(WebSeed(index: seeds.count, map: WebSeedMap(url: url, info: info)))
        }
        return seeds
    }
}

/// A run of consecutive blocks of one piece, fetched with one request per file it touches.
struct WebSeedFetch: Sendable {
    let piece: Int
    let blocks: [BlockRequest]

    var offset: Int { blocks[0].offset }
    var length: Int { blocks.reduce(0) { $0 + $1.length } }

    /// Cuts picked blocks into runs: by piece, then where a block does not follow the one before.
    static func runs(of picked: [BlockRequest]) -> [WebSeedFetch] {
        let sorted = picked.sorted { ($0.piece, $0.offset) < ($1.piece, $1.offset) }
        var runs: [WebSeedFetch] = []
        var current: [BlockRequest] = []
        for block in sorted {
            if let last = current.last, last.piece != block.piece || last.offset + last.length != block.offset {
                runs.append(WebSeedFetch(piece: current[0].piece.value, blocks: current))
                current = []
            }
            current.append(block)
        }
        if !current.isEmpty { runs.append(WebSeedFetch(piece: current[0].piece.value, blocks: current)) }
        return runs
    }
}
