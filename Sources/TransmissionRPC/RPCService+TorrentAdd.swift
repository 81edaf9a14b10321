import EngineAPI
import Foundation

extension RPCService {
    /// `torrent-add`: `filename` (a path on this machine, an http(s) URL or a magnet link) or
    /// `metainfo` (base64 .torrent), with the folder, paused flag, labels and file choices.
    func torrentAdd(_ arguments: RPCArguments) async throws -> [String: Any] {
        let source: AddSource
        if let metainfo = try arguments.string("metainfo") {
            let cleaned = metainfo.filter { !$0.isWhitespace }
            guard let data = Data(base64Encoded: cleaned) else {
                throw RPCError.argument("'metainfo' is not base64")
            }
            source = .torrentData(Array(data))
        } else if let filename = try arguments.string("filename"), !filename.isEmpty {
            let lower = filename.lowercased()
            if lower.hasPrefix("magnet:") {
                source = .magnet(filename)
            } else if lower.hasPrefix("http://") || lower.hasPrefix("https://") {
                guard let fetch = hooks.fetchTorrent else {
                    throw RPCError(.failed, "this server does not fetch torrents from URLs")
                }
                do { source = .torrentData(try await fetch(filename)) } catch {
                    throw RPCError(.failed, "cannot fetch '\(filename)': \(error)")
                }
            } else {
                source = .torrentFile(path: filename)
            }
        } else {
            throw RPCError.argument("torrent-add needs 'filename' or 'metainfo'")
        }

        var options = AddOptions()
        let defaults = state.withLockedValue { $0 }
        options.startPaused = !(defaults.startAddedTorrents)
        if let paused = try arguments.bool("paused") { options.startPaused = paused }
        options.labels = try arguments.strings("labels") ?? []
        if defaults.seedRatioLimited { options.ratioGoal = defaults.seedRatioLimit }
        if let sequential = try arguments.bool("sequentialDownload") { options.sequential = sequential }
        for (key, priority) in [("files-wanted", FilePriority.normal), ("files-unwanted", .skip),
                                ("priority-low", .low), ("priority-normal", .normal), ("priority-high", .high)] {
            for file in try arguments.ints(key) ?? [] {
                // A priority given to a file that is also unwanted keeps it unwanted.
                if options.filePriorities[file] == .skip && key.hasPrefix("priority") { continue }
                options.filePriorities[file] = priority
            }
        }
        let directory = try arguments.string("download-dir").flatMap { $0.isEmpty ? nil : $0 }

        switch await engine.submit(.add(source, directory: directory, options: options)) {
        case .added(let id, let name):
            return ["torrent-added": identity(id, name)]
        case .duplicate(let id, let name):
            return ["torrent-duplicate": identity(id, name)]
        case .failed(let message):
            throw RPCError(.failed, message)
        case .done:
            throw RPCError(.failed, "the engine did not say whether the torrent was added")
        }
    }

    /// The answer's torrent. Numbering it alone keeps adding N torrents linear in N (numbering the
    /// whole list per add did not); the engine has published its row, so later lists keep the number.
    private func identity(_ id: TorrentID, _ name: String) -> [String: Any] {
        ["id": numbers.number(assigningTo: id), "name": name, "hashString": id.hex]
    }
}
