import Foundation
import TestSupport

/// libtorrent's view of torrents through its Python binding (`Scripts/lt_tool.py`).
enum Libtorrent {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Scripts/lt_tool.py").path

    struct TorrentFacts: Decodable {
        struct File: Decodable {
            let path: String
            let size: Int
            let pad: Bool
        }
        let info_hash: String
        /// 64 hex digits; all zeros for a v1-only torrent.
        let info_hash_v2: String?
        let name: String
        let num_pieces: Int
        let piece_length: Int
        let total_size: Int
        let files: [File]
    }

    struct CheckResult: Decodable {
        let pieces: [Bool]
        let num_have: Int
    }

    static func info(_ torrent: String) throws -> TorrentFacts {
        try JSONDecoder().decode(TorrentFacts.self, from: Data(run(["info", torrent]).utf8))
    }

    static func create(_ path: String, output: String, v1Only: Bool, v2Only: Bool = false,
                       tracker: String? = nil) throws {
        var arguments = ["create", path, output]
        if v1Only { arguments.append("--v1-only") }
        if v2Only { arguments.append("--v2-only") }
        if let tracker { arguments += ["--tracker", tracker] }
        _ = try run(arguments)
    }

    static func check(_ torrent: String, savePath: String) throws -> CheckResult {
        try JSONDecoder().decode(CheckResult.self, from: Data(run(["check", torrent, savePath]).utf8))
    }

    private static func run(_ arguments: [String]) throws -> String {
        let output = try ExternalTool.run("/usr/bin/python3", [script] + arguments, timeout: 180)
        guard output.status == 0 else {
            throw ToolFailure("lt_tool.py \(arguments.joined(separator: " ")) failed: \(output.stderr)\(output.stdout)")
        }
        return output.stdout
    }
}
