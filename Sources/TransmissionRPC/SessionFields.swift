import EngineAPI
import Foundation

/// What the RPC front end itself remembers about the session: values Transmission keeps even
/// while they are switched off (a speed limit's number), and defaults for added torrents.
struct RPCSessionState: Sendable {
    var speedLimitDownKB = 100
    var speedLimitUpKB = 100
    var downloadQueueSize = 5
    var seedQueueSize = 10
    var seedRatioLimit = 2.0
    var seedRatioLimited = false
    var startAddedTorrents = true
    /// Per-torrent limit numbers (kB/s) kept while the limit is off.
    var torrentLimitsKB: [TorrentID: (down: Int, up: Int)] = [:]
}

/// The `session-get` keys of RPC version 17.
enum SessionFields {
    static let rpcVersion = 17
    static let rpcVersionMinimum = 14
    static let rpcVersionSemver = "5.3.0"

    static func all(_ snapshot: SessionSnapshot, state: RPCSessionState, sessionID: String,
                    configDirectory: String, freeSpace: Int?) -> [String: Any] {
        let settings = snapshot.settings
        var values: [String: Any] = [
            "alt-speed-down": 50, "alt-speed-enabled": false, "alt-speed-time-begin": 540, "alt-speed-time-day": 127,
            "alt-speed-time-enabled": false, "alt-speed-time-end": 1020, "alt-speed-up": 50,
            "blocklist-enabled": false, "blocklist-size": 0, "blocklist-url": "", "cache-size-mb": 4,
            "config-dir": configDirectory, "default-trackers": "", "dht-enabled": settings.dhtEnabled,
            "download-dir": settings.defaultDirectory, "download-dir-free-space": freeSpace ?? -1,
            "download-queue-enabled": snapshot.maxActiveDownloads != nil,
            "download-queue-size": snapshot.maxActiveDownloads ?? state.downloadQueueSize,
            "encryption": settings.encryption, "idle-seeding-limit-enabled": false, "idle-seeding-limit": 30,
            "incomplete-dir-enabled": false, "incomplete-dir": settings.defaultDirectory,
            "lpd-enabled": settings.localDiscoveryEnabled, "peer-limit-global": settings.maxConnections,
            "peer-limit-per-torrent": settings.maxConnectionsPerTorrent, "peer-port-random-on-start": false,
            "peer-port": snapshot.listenPort, "pex-enabled": settings.peerExchangeEnabled,
            "port-forwarding-enabled": false, "queue-stalled-enabled": false, "queue-stalled-minutes": 30,
            "rename-partial-files": false, "rpc-version-minimum": rpcVersionMinimum,
            "rpc-version-semver": rpcVersionSemver, "rpc-version": rpcVersion,
            "script-torrent-added-enabled": false, "script-torrent-added-filename": "",
            "script-torrent-done-enabled": false, "script-torrent-done-filename": "",
            "script-torrent-done-seeding-enabled": false, "script-torrent-done-seeding-filename": "",
            "seed-queue-enabled": snapshot.maxActiveSeeds != nil,
            "seed-queue-size": snapshot.maxActiveSeeds ?? state.seedQueueSize,
            "seedRatioLimit": state.seedRatioLimit, "seedRatioLimited": state.seedRatioLimited,
            "session-id": sessionID,
            "speed-limit-down-enabled": snapshot.downloadLimit != nil,
            "speed-limit-down": snapshot.downloadLimit.map { $0 / 1000 } ?? state.speedLimitDownKB,
            "speed-limit-up-enabled": snapshot.uploadLimit != nil,
            "speed-limit-up": snapshot.uploadLimit.map { $0 / 1000 } ?? state.speedLimitUpKB,
            "start-added-torrents": state.startAddedTorrents, "trash-original-torrent-files": false,
            "units": [
                "speed-units": ["kB/s", "MB/s", "GB/s", "TB/s"], "speed-bytes": 1000,
                "size-units": ["kB", "MB", "GB", "TB"], "size-bytes": 1000,
                "memory-units": ["KiB", "MiB", "GiB", "TiB"], "memory-bytes": 1024,
            ] as [String: Any],
            "utp-enabled": settings.utpEnabled, "version": settings.version,
            "rill-connections": snapshot.connections,
        ]
        if let dht = snapshot.dht {
            var health: [String: Any] = ["nodes": dht.nodes, "goodNodes": dht.goodNodes,
                                         "lookupsInFlight": dht.lookupsInFlight]
            if let seconds = dht.secondsSinceBootstrap { health["secondsSinceBootstrap"] = seconds }
            values["rill-dht"] = health
        }
        return values
    }

    /// Keys a client may set but rill has no such feature for: accepted when they ask for what
    /// rill does anyway, refused otherwise.
    static let fixed: [String: @Sendable (Any) -> Bool] = [
        "alt-speed-enabled": { RPCValue.bool($0) == false }, "alt-speed-time-enabled": { RPCValue.bool($0) == false },
        "blocklist-enabled": { RPCValue.bool($0) == false }, "incomplete-dir-enabled": { RPCValue.bool($0) == false },
        "idle-seeding-limit-enabled": { RPCValue.bool($0) == false },
        "port-forwarding-enabled": { RPCValue.bool($0) == false },
        "peer-port-random-on-start": { RPCValue.bool($0) == false },
        "queue-stalled-enabled": { RPCValue.bool($0) == false }, "rename-partial-files": { RPCValue.bool($0) == false },
        "script-torrent-added-enabled": { RPCValue.bool($0) == false },
        "script-torrent-done-enabled": { RPCValue.bool($0) == false },
        "script-torrent-done-seeding-enabled": { RPCValue.bool($0) == false },
        "trash-original-torrent-files": { RPCValue.bool($0) == false },
        // Values that only matter while their switch is on.
        "alt-speed-down": { _ in true }, "alt-speed-up": { _ in true }, "alt-speed-time-begin": { _ in true },
        "alt-speed-time-end": { _ in true }, "alt-speed-time-day": { _ in true }, "blocklist-url": { _ in true },
        "cache-size-mb": { _ in true }, "idle-seeding-limit": { _ in true }, "incomplete-dir": { _ in true },
        "queue-stalled-minutes": { _ in true }, "script-torrent-added-filename": { _ in true },
        "script-torrent-done-filename": { _ in true }, "script-torrent-done-seeding-filename": { _ in true },
        "default-trackers": { ($0 as? String)?.isEmpty ?? false },
    ]
}
