import EngineAPI
import Foundation

/// Builds a believable session: `torrents` rows and, for the selected one, `peers` peers, files,
/// trackers and a 2,000-piece map. `second` moves the rates so graphs have shape.
public enum SyntheticSession {
    public static func id(_ n: Int) -> TorrentID {
        var hex = String(n, radix: 16)
        hex = String(repeating: "0", count: max(0, 40 - hex.count)) + hex
        return TorrentID(hex: hex)
    }

    public static func snapshot(torrents count: Int, second: Int, idle: Bool) -> SessionSnapshot {
        var rows: [TorrentSnapshot] = []
        rows.reserveCapacity(count)
        let phases: [TorrentPhase] = [.downloading, .seeding, .paused, .queued, .finished, .checking(progress: 0.5),
                                      .fetchingMetadata]
        var totalDown = 0.0, totalUp = 0.0
        for n in 0..<count {
            let phase = idle ? (n % 2 == 0 ? .seeding : .paused) : phases[n % phases.count]
            let wave = Double((second + n * 13) % 40) / 40
            let down = idle || phase != .downloading ? 0 : 200_000 + 900_000 * wave
            let up = idle ? 0 : (phase == .seeding || phase == .downloading ? 40_000 * wave : 0)
            totalDown += down
            totalUp += up
            rows.append(TorrentSnapshot(
                id: id(n + 1), name: "synthetic-torrent-\(n + 1)-linux-distribution-image.iso",
                totalSize: 700_000_000 + n * 13_000_000, progress: phase == .downloading ? wave : 1, phase: phase,
                downloadRate: down, uploadRate: up, downloaded: 500_000_000, uploaded: 300_000_000 + n,
                peers: phase == .downloading ? 12 : 0, seeds: 3, swarmSeeds: 100, swarmLeechers: 20,
                eta: phase == .downloading ? 600 : nil, queuePosition: n))
        }
        return SessionSnapshot(torrents: rows, downloadRate: totalDown, uploadRate: totalUp, downloadLimit: nil,
                               uploadLimit: 1_048_576, listenPort: 6881, connections: 40, uptime: Double(second),
                               freeDiskSpace: 120_000_000_000,
                               dht: DHTHealth(nodes: 300, goodNodes: 250, lookupsInFlight: 1, secondsSinceBootstrap: 5))
    }

    public static func detail(for torrent: TorrentID, peers count: Int, second: Int) -> TorrentDetail {
        var peers: [PeerSnapshot] = []
        for n in 0..<count {
            let rate = Double((n * 7919 + second * 31) % 500) * 1000
            peers.append(PeerSnapshot(address: "127.0.\(n / 250).\(n % 250 + 2):\(6881 + n)", client: "libtorrent 2.0.8",
                                      flags: [.weAreInterested, .peerInterested], downloadRate: rate,
                                      uploadRate: rate / 10, progress: Double(n % 100) / 100,
                                      requestsInFlight: n % 64, source: ["tracker", "dht", "pex", "incoming"][n % 4]))
        }
        let files = (0..<20).map { FileSnapshot(path: "dir/file-\($0).bin", size: 10_000_000 * ($0 + 1),
                                                progress: Double($0) / 20, priority: .normal) }
        let trackers = [TrackerSnapshot(url: "http://127.0.0.1:6969/announce", tier: 0, status: "working",
                                        nextAnnounce: 1800, seeders: 100, leechers: 20)]
        let states = (0..<2000).map { UInt8($0 % 17 == 0 ? 1 : ($0 < 900 ? 2 : 0)) }
        let availability = (0..<2000).map { UInt16($0 % 9) }
        return TorrentDetail(id: torrent, peers: peers, files: files, trackers: trackers,
                             pieces: PieceMap(states: states, availability: availability))
    }
}

/// A `TorrentEngine` that publishes a synthetic session four times a second, like the real one.
public final class SyntheticEngine: TorrentEngine, @unchecked Sendable {
    private let torrents: Int
    private let peers: Int
    private let idle: Bool
    private let start = Date()
    private let lock = NSLock()
    private var log: [EngineCommand] = []

    public init(torrents: Int, peers: Int, idle: Bool) {
        self.torrents = torrents
        self.peers = peers
        self.idle = idle
    }

    public func snapshot(detail: TorrentID?) -> SessionSnapshot {
        // Quarter-second publications.
        let quarter = Int(Date().timeIntervalSince(start) * 4)
        var snapshot = SyntheticSession.snapshot(torrents: torrents, second: quarter / 4, idle: idle)
        snapshot.uptime = Double(quarter) / 4
        if let detail { snapshot.detail = SyntheticSession.detail(for: detail, peers: peers, second: quarter / 4) }
        return snapshot
    }

    public func drainEvents() -> [EngineEvent] { [] }

    public func close() async {}

    public func perform(_ command: EngineCommand) {
        lock.lock()
        log.append(command)
        lock.unlock()
    }
}
