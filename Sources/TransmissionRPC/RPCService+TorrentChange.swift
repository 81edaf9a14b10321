import EngineAPI
import Foundation

extension RPCService {
    func torrentAction(_ method: String, _ arguments: RPCArguments) async throws -> [String: Any] {
        let rows = try selected(arguments)
        let commands: [EngineCommand] = rows.flatMap { row -> [EngineCommand] in
            switch method {
            case "torrent-start": [.resume(row.id)]
            case "torrent-start-now": [.moveInQueue(row.id, .top), .resume(row.id)]
            case "torrent-stop": [.pause(row.id)]
            case "torrent-verify": [.recheck(row.id)]
            default: [.reannounce(row.id)]
            }
        }
        try await run(commands)
        return [:]
    }

    func torrentRemove(_ arguments: RPCArguments) async throws -> [String: Any] {
        let deleteData = try arguments.bool("delete-local-data") ?? false
        try await run(try selected(arguments).map { .remove($0.id, deleteData: deleteData) })
        return [:]
    }

    func torrentSetLocation(_ arguments: RPCArguments) async throws -> [String: Any] {
        guard let location = try arguments.string("location"), !location.isEmpty else {
            throw RPCError.argument("torrent-set-location needs a 'location'")
        }
        let move = try arguments.bool("move") ?? false
        try await run(try selected(arguments).map { .setLocation($0.id, directory: location, moveData: move) })
        return [:]
    }

    func queueMove(_ method: String, _ arguments: RPCArguments) async throws -> [String: Any] {
        let move: QueueMove = switch method {
        case "queue-move-top": .top
        case "queue-move-up": .up
        case "queue-move-down": .down
        default: .bottom
        }
        var rows = try selected(arguments)
        // Moving several to the top keeps their order: the last one first.
        if move == .top || move == .down { rows.reverse() }
        try await run(rows.map { .moveInQueue($0.id, move) })
        return [:]
    }

    /// Keys of `torrent-set` that rill has no feature for: accepted when they ask for what rill does anyway.
    private static let neutralTorrentKeys: [String: @Sendable (Any) -> Bool] = [
        "bandwidthPriority": { RPCValue.int($0) == 0 }, "honorsSessionLimits": { RPCValue.bool($0) == true },
        "seedIdleMode": { RPCValue.int($0) == 0 }, "seedIdleLimit": { _ in true }, "peer-limit": { _ in true },
        "group": { ($0 as? String)?.isEmpty ?? false },
    ]

    func torrentSet(_ arguments: RPCArguments) async throws -> [String: Any] {
        let rows = try selected(arguments)
        let known: Set<String> = [
            "ids", "files-wanted", "files-unwanted", "priority-high", "priority-low", "priority-normal",
            "downloadLimit", "downloadLimited", "uploadLimit", "uploadLimited", "seedRatioLimit", "seedRatioMode",
            "labels", "location", "queuePosition", "sequentialDownload",
        ]
        for key in arguments.keys {
            let legacy = Self.legacyTorrentKey(key, among: known.union(Self.neutralTorrentKeys.keys))
            if known.contains(legacy) { continue }
            if let accepts = Self.neutralTorrentKeys[legacy] {
                if let value = arguments[legacy], !accepts(value) {
                    throw RPCError(.failed, "'\(legacy)' is not supported by rill")
                }
                continue
            }
            if legacy.hasPrefix("tracker") { throw RPCError(.failed, "changing trackers is not supported by rill") }
            throw RPCError.argument("unknown torrent-set key '\(key)'")
        }

        var commands: [EngineCommand] = []
        let fileKeys = ["files-wanted", "files-unwanted", "priority-high", "priority-low", "priority-normal"]
        let touchesFiles = try fileKeys.contains { try arguments.ints($0) != nil }
        let details = touchesFiles ? await engine.details(for: rows.map(\.id)) : []
        for row in rows {
            if touchesFiles, let detail = details.first(where: { $0.id == row.id }) {
                commands += try fileCommands(row.id, files: detail.files, arguments)
            } else if touchesFiles {
                throw RPCError(.failed, "the files of \(row.name) are not known yet")
            }
            commands += try limitCommands(row, arguments)
            if let mode = try arguments.int("seedRatioMode") {
                let limit = try arguments.double("seedRatioLimit") ?? row.ratioGoal ?? state.withLockedValue(\.seedRatioLimit)
                switch mode {
                case 0:
                    let session = state.withLockedValue { $0 }
                    commands += [.setSeeding(row.id, true), .setRatioGoal(row.id, session.seedRatioLimited ? session.seedRatioLimit : nil)]
                case 1: commands += [.setSeeding(row.id, true), .setRatioGoal(row.id, limit)]
                case 2: commands += [.setSeeding(row.id, true), .setRatioGoal(row.id, nil)]
                default: throw RPCError.argument("'seedRatioMode' must be 0, 1 or 2")
                }
            } else if let limit = try arguments.double("seedRatioLimit"), row.ratioGoal != nil {
                commands.append(.setRatioGoal(row.id, limit))
            }
            if let labels = try arguments.strings("labels") { commands.append(.setLabels(row.id, labels)) }
            if let location = try arguments.string("location") {
                commands.append(.setLocation(row.id, directory: location, moveData: false))
            }
            if let sequential = try arguments.bool("sequentialDownload") { commands.append(.setSequential(row.id, sequential)) }
            if let position = try arguments.int("queuePosition") {
                let steps = position - row.queuePosition
                let move: QueueMove = steps < 0 ? .up : .down
                commands += Array(repeating: .moveInQueue(row.id, move), count: min(10_000, abs(steps)))
            }
        }
        try await run(commands)
        return [:]
    }

    /// `files_wanted` → `files-wanted`, `download_limited` → `downloadLimited`.
    private static func legacyTorrentKey(_ key: String, among known: Set<String>) -> String {
        if known.contains(key) { return key }
        let snake = RPCDialect.snakeCase(key)
        return known.first { RPCDialect.snakeCase($0) == snake } ?? key
    }

    private func fileCommands(_ id: TorrentID, files: [FileSnapshot], _ arguments: RPCArguments) throws -> [EngineCommand] {
        var priorities = files.map(\.priority)
        func check(_ file: Int) throws {
            guard file >= 0 && file < files.count else {
                throw RPCError.argument("file \(file) does not exist; the torrent has \(files.count) files")
            }
        }
        for file in try arguments.ints("files-wanted") ?? [] {
            try check(file)
            if priorities[file] == .skip { priorities[file] = .normal }
        }
        for (key, priority) in [("priority-low", FilePriority.low), ("priority-normal", .normal), ("priority-high", .high)] {
            for file in try arguments.ints(key) ?? [] {
                try check(file)
                if priorities[file] != .skip { priorities[file] = priority }
            }
        }
        for file in try arguments.ints("files-unwanted") ?? [] {
            try check(file)
            priorities[file] = .skip
        }
        return priorities.enumerated().compactMap { index, priority in
            priority == files[index].priority ? nil : .setFilePriority(id, file: index, priority)
        }
    }

    /// Per-torrent limits: the kB/s numbers are kept while a limit is off, as Transmission does.
    private func limitCommands(_ row: TorrentSnapshot, _ arguments: RPCArguments) throws -> [EngineCommand] {
        let downValue = try arguments.int("downloadLimit")
        let upValue = try arguments.int("uploadLimit")
        let downOn = try arguments.bool("downloadLimited")
        let upOn = try arguments.bool("uploadLimited")
        guard downValue != nil || upValue != nil || downOn != nil || upOn != nil else { return [] }
        let kept = state.withLockedValue { state -> (down: Int, up: Int) in
            var limits = state.torrentLimitsKB[row.id] ?? (row.downloadLimit.map { $0 / 1000 } ?? 100,
                                                          row.uploadLimit.map { $0 / 1000 } ?? 100)
            if let downValue { limits.down = max(0, downValue) }
            if let upValue { limits.up = max(0, upValue) }
            state.torrentLimitsKB[row.id] = limits
            return limits
        }
        let down = (downOn ?? (row.downloadLimit != nil)) ? kept.down * 1000 : nil
        let up = (upOn ?? (row.uploadLimit != nil)) ? kept.up * 1000 : nil
        return [.setTorrentRateLimits(row.id, download: down, upload: up)]
    }
}
