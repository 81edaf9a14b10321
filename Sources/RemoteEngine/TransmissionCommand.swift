import EngineAPI
import Foundation

/// The RPC calls that carry out one `EngineCommand` on a Transmission server. Pure: the torrent's
/// RPC id (Transmission's number, or its info-hash, which servers accept too) is resolved first.
struct TransmissionCall {
    var method: String
    var arguments: [String: Any]
}

enum TransmissionCommand {
    /// Why a command has no RPC equivalent, as a sentence for the user.
    struct Unsupported: Error, CustomStringConvertible {
        let description: String
    }

    /// The calls for `command`; `ids` resolves a torrent to its RPC id, `speedUnit` is bytes per
    /// "kB" of the server's speed settings. Adding is not handled here (see `addArguments`).
    static func calls(for command: EngineCommand, ids: (TorrentID) -> Any, speedUnit: Int,
                      fields: TransmissionFields) throws -> [TransmissionCall] {
        func torrent(_ method: String, _ id: TorrentID, _ extra: [String: Any] = [:]) -> TransmissionCall {
            TransmissionCall(method: method, arguments: extra.merging(["ids": [ids(id)]]) { $1 })
        }
        func kilo(_ bytes: Int) -> Int { max(1, (bytes + speedUnit / 2) / speedUnit) }
        switch command {
        case .add:
            throw Unsupported(description: "adding goes through torrent-add")
        case .pause(let id):
            return [torrent("torrent-stop", id)]
        case .resume(let id):
            return [torrent("torrent-start", id)]
        case .remove(let id, let deleteData):
            return [torrent("torrent-remove", id, ["delete-local-data": deleteData])]
        case .setFilePriority(let id, let file, let priority):
            if priority == .skip { return [torrent("torrent-set", id, ["files-unwanted": [file]])] }
            let key = priority == .high ? "priority-high" : (priority == .low ? "priority-low" : "priority-normal")
            return [torrent("torrent-set", id, ["files-wanted": [file], key: [file]])]
        case .setSeeding(let id, let seeding):
            // Stopping at ratio 0 is Transmission's way of not seeding.
            let arguments: [String: Any] = seeding ? ["seedRatioMode": 0] : ["seedRatioMode": 1, "seedRatioLimit": 0]
            return [torrent("torrent-set", id, arguments)]
        case .setSequential(let id, let sequential):
            guard fields.hasSequentialDownload else {
                throw Unsupported(description:
                    "this server (RPC version \(fields.rpcVersion)) has no sequential download")
            }
            return [torrent("torrent-set", id, [fields.sequentialKey: sequential])]
        case .recheck(let id):
            return [torrent("torrent-verify", id)]
        case .setRateLimits(let download, let upload):
            var arguments: [String: Any] = ["speed-limit-down-enabled": download != nil,
                                            "speed-limit-up-enabled": upload != nil]
            if let download { arguments["speed-limit-down"] = kilo(download) }
            if let upload { arguments["speed-limit-up"] = kilo(upload) }
            return [TransmissionCall(method: "session-set", arguments: arguments)]
        case .setTorrentRateLimits(let id, let download, let upload):
            var arguments: [String: Any] = ["downloadLimited": download != nil, "uploadLimited": upload != nil]
            if let download { arguments["downloadLimit"] = kilo(download) }
            if let upload { arguments["uploadLimit"] = kilo(upload) }
            return [torrent("torrent-set", id, arguments)]
        case .addPeer:
            throw Unsupported(description: "the Transmission RPC cannot add a peer by address")
        case .moveInQueue(let id, let move):
            let method = switch move {
            case .up: "queue-move-up"
            case .down: "queue-move-down"
            case .top: "queue-move-top"
            case .bottom: "queue-move-bottom"
            }
            return [torrent(method, id)]
        case .setRatioGoal(let id, let goal):
            if let goal { return [torrent("torrent-set", id, ["seedRatioMode": 1, "seedRatioLimit": goal])] }
            return [torrent("torrent-set", id, ["seedRatioMode": 2])]
        case .setQueueLimits(let downloads, let seeds):
            var arguments: [String: Any] = ["download-queue-enabled": downloads != nil,
                                            "seed-queue-enabled": seeds != nil]
            if let downloads { arguments["download-queue-size"] = downloads }
            if let seeds { arguments["seed-queue-size"] = seeds }
            return [TransmissionCall(method: "session-set", arguments: arguments)]
        case .setLabels(let id, let labels):
            return [torrent("torrent-set", id, ["labels": labels])]
        case .reannounce(let id):
            return [torrent("torrent-reannounce", id)]
        case .setLocation(let id, let directory, let moveData):
            return [torrent("torrent-set-location", id, ["location": directory, "move": moveData])]
        case .setDefaultDirectory(let directory):
            return [TransmissionCall(method: "session-set", arguments: ["download-dir": directory])]
        }
    }

    /// `torrent-add` arguments. A `.torrentFile` path is read here and sent as `metainfo`: the
    /// server may run on another machine, where the path means nothing.
    static func addArguments(_ source: AddSource, directory: String?, options: AddOptions) throws -> [String: Any] {
        var arguments: [String: Any] = [:]
        switch source {
        case .torrentFile(let path):
            guard let data = FileManager.default.contents(atPath: path) else {
                throw Unsupported(description: "cannot read \(path)")
            }
            arguments["metainfo"] = data.base64EncodedString()
        case .torrentData(let bytes):
            arguments["metainfo"] = Data(bytes).base64EncodedString()
        case .magnet(let link):
            arguments["filename"] = link
        }
        if let directory { arguments["download-dir"] = directory }
        if options.startPaused { arguments["paused"] = true }
        if !options.labels.isEmpty { arguments["labels"] = options.labels }
        return arguments
    }

    /// What to set on a torrent just added, for the options `torrent-add` cannot carry; nil when nothing.
    static func afterAdd(_ options: AddOptions, fileCount: Int?, fields: TransmissionFields,
                         speedUnit: Int) -> [String: Any]? {
        var arguments: [String: Any] = [:]
        if let selected = options.selectedFiles, let fileCount {
            let unwanted = (0..<fileCount).filter { !selected.contains($0) }
            if !unwanted.isEmpty { arguments["files-unwanted"] = unwanted }
        }
        if !options.labels.isEmpty { arguments["labels"] = options.labels }
        if let goal = options.ratioGoal {
            arguments["seedRatioMode"] = 1
            arguments["seedRatioLimit"] = goal
        } else if !options.seedWhenComplete {
            arguments["seedRatioMode"] = 1
            arguments["seedRatioLimit"] = 0
        }
        if let download = options.downloadRateLimit {
            arguments["downloadLimited"] = true
            arguments["downloadLimit"] = max(1, download / speedUnit)
        }
        if let upload = options.uploadRateLimit {
            arguments["uploadLimited"] = true
            arguments["uploadLimit"] = max(1, upload / speedUnit)
        }
        if options.sequential, fields.hasSequentialDownload { arguments[fields.sequentialKey] = true }
        return arguments.isEmpty ? nil : arguments
    }
}
