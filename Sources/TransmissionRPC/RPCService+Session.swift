import EngineAPI
import Foundation

extension RPCService {
    func sessionGet(_ arguments: RPCArguments) -> [String: Any] {
        let snapshot = engine.snapshot(detail: nil)
        let all = SessionFields.all(snapshot, state: state.withLockedValue { $0 }, sessionID: sessionID,
                                    configDirectory: hooks.configDirectory,
                                    freeSpace: Self.freeBytes(at: snapshot.settings.defaultDirectory)?.free)
        guard let fields = RPCValue.strings(arguments["fields"]), !fields.isEmpty else { return all }
        let legacyName = Self.legacyNames(of: all)
        var picked: [String: Any] = [:]
        for field in fields {
            let key = legacyName[RPCDialect.snakeCase(field)] ?? field
            if let value = all[key] { picked[key] = value }
        }
        return picked
    }

    func sessionSet(_ arguments: RPCArguments) async throws -> [String: Any] {
        let snapshot = engine.snapshot(detail: nil)
        let current = sessionGet(RPCArguments([:]))
        var commands: [EngineCommand] = []
        var limits = (down: snapshot.downloadLimit, up: snapshot.uploadLimit)
        var limitsChanged = false
        var queue = (downloads: snapshot.maxActiveDownloads, seeds: snapshot.maxActiveSeeds)
        var queueChanged = false
        var changes = state.withLockedValue { $0 }

        // Keys arrive snake_cased (RPCArguments); name each as session-get does (`seedRatioLimit`, `download-dir`).
        let legacyName = Self.legacyNames(of: current)
        for key in arguments.keys.map({ legacyName[$0] ?? $0.replacingOccurrences(of: "_", with: "-") }).sorted() {
            let value = arguments[key]
            switch key {
            case "download-dir":
                guard let folder = try arguments.string(key), !folder.isEmpty else {
                    throw RPCError.argument("'download-dir' must be a folder")
                }
                commands.append(.setDefaultDirectory(folder))
            case "speed-limit-down":
                changes.speedLimitDownKB = max(0, try arguments.int(key) ?? 0)
                if limits.down != nil { limits.down = changes.speedLimitDownKB * 1000; limitsChanged = true }
            case "speed-limit-up":
                changes.speedLimitUpKB = max(0, try arguments.int(key) ?? 0)
                if limits.up != nil { limits.up = changes.speedLimitUpKB * 1000; limitsChanged = true }
            case "speed-limit-down-enabled", "speed-limit-up-enabled", "download-queue-enabled", "seed-queue-enabled",
                 "download-queue-size", "seed-queue-size":
                break  // applied below, once every number is known
            case "seedRatioLimit":
                changes.seedRatioLimit = max(0, try arguments.double("seedRatioLimit") ?? 0)
            case "seedRatioLimited":
                changes.seedRatioLimited = try arguments.bool("seedRatioLimited") ?? false
            case "start-added-torrents":
                changes.startAddedTorrents = try arguments.bool(key) ?? true
            case "peer-port", "encryption", "dht-enabled", "lpd-enabled", "pex-enabled", "utp-enabled",
                 "peer-limit-global", "peer-limit-per-torrent":
                if let value, !Self.same(value, current[key]) {
                    throw RPCError(.failed, "'\(key)' cannot change while rill runs; set it in config.toml "
                        + "or on the daemon's command line")
                }
            default:
                if let accepts = SessionFields.fixed[key] {
                    if let value, !accepts(value) { throw RPCError(.failed, "'\(key)' is not supported by rill") }
                } else if current[key] != nil {
                    throw RPCError.argument("'\(key)' cannot be set")
                } else {
                    throw RPCError.argument("unknown session key '\(key)'")
                }
            }
        }
        if let enabled = try arguments.bool("speed-limit-down-enabled") {
            limits.down = enabled ? changes.speedLimitDownKB * 1000 : nil
            limitsChanged = true
        }
        if let enabled = try arguments.bool("speed-limit-up-enabled") {
            limits.up = enabled ? changes.speedLimitUpKB * 1000 : nil
            limitsChanged = true
        }
        if let size = try arguments.int("download-queue-size") {
            changes.downloadQueueSize = max(0, size)
            if queue.downloads != nil { queue.downloads = changes.downloadQueueSize; queueChanged = true }
        }
        if let size = try arguments.int("seed-queue-size") {
            changes.seedQueueSize = max(0, size)
            if queue.seeds != nil { queue.seeds = changes.seedQueueSize; queueChanged = true }
        }
        if let enabled = try arguments.bool("download-queue-enabled") {
            queue.downloads = enabled ? changes.downloadQueueSize : nil
            queueChanged = true
        }
        if let enabled = try arguments.bool("seed-queue-enabled") {
            queue.seeds = enabled ? changes.seedQueueSize : nil
            queueChanged = true
        }
        if limitsChanged { commands.append(.setRateLimits(download: limits.down, upload: limits.up)) }
        if queueChanged { commands.append(.setQueueLimits(downloads: queue.downloads, seeds: queue.seeds)) }
        let kept = changes
        state.withLockedValue { $0 = kept }
        try await run(commands)
        return [:]
    }

    /// snake_case → the name session-get uses (`seed_ratio_limit` → `seedRatioLimit`, `download_dir` → `download-dir`).
    private static func legacyNames(of values: [String: Any]) -> [String: String] {
        Dictionary(values.keys.map { (RPCDialect.snakeCase($0), $0) }) { first, _ in first }
    }

    private static func same(_ a: Any, _ b: Any?) -> Bool {
        guard let b else { return false }
        if let x = a as? String, let y = b as? String { return x == y }
        if let x = RPCValue.bool(a), let y = b as? Bool { return x == y }
        if let x = RPCValue.int(a), let y = RPCValue.int(b) { return x == y }
        return false
    }

    func sessionStats() -> [String: Any] {
        let snapshot = engine.snapshot(detail: nil)
        let rows = snapshot.torrents
        let paused = rows.count { if case .paused = $0.phase { true } else { false } }
        let active = rows.count { $0.downloadRate > 0 || $0.uploadRate > 0 }
        let seconds = Int(snapshot.uptime)
        let current: [String: Any] = [
            "uploadedBytes": rows.reduce(0) { $0 + $1.sessionUploaded },
            "downloadedBytes": rows.reduce(0) { $0 + $1.sessionDownloaded },
            "filesAdded": rows.reduce(0) { $0 + $1.fileCount }, "sessionCount": 1, "secondsActive": seconds,
        ]
        let cumulative: [String: Any] = [
            "uploadedBytes": rows.reduce(0) { $0 + $1.uploaded }, "downloadedBytes": rows.reduce(0) { $0 + $1.downloaded },
            "filesAdded": rows.reduce(0) { $0 + $1.fileCount }, "sessionCount": 1, "secondsActive": seconds,
        ]
        return ["activeTorrentCount": active, "pausedTorrentCount": paused, "torrentCount": rows.count,
                "downloadSpeed": Int(snapshot.downloadRate), "uploadSpeed": Int(snapshot.uploadRate),
                "cumulative-stats": cumulative, "current-stats": current]
    }

    func freeSpace(_ arguments: RPCArguments) throws -> [String: Any] {
        guard let path = try arguments.string("path"), !path.isEmpty else {
            throw RPCError.argument("free-space needs a 'path'")
        }
        guard let space = Self.freeBytes(at: path) else {
            throw RPCError(.failed, "cannot read the free space of '\(path)': no such folder")
        }
        return ["path": path, "size-bytes": space.free, "total_size": space.total]
    }

    static func freeBytes(at path: String) -> (free: Int, total: Int)? {
        guard let attributes = try? FileManager.default.attributesOfFileSystem(forPath: path),
              let free = (attributes[.systemFreeSize] as? NSNumber)?.intValue,
              let total = (attributes[.systemSize] as? NSNumber)?.intValue else { return nil }
        return (free, total)
    }
}
