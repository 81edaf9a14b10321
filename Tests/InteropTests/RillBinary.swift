import Foundation
import TestSupport

/// Runs the `rill` executable built next to this test bundle.
enum RillBinary {
    static let path: String = {
        if let override = ProcessInfo.processInfo.environment["RILL_BIN"] { return override }
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            ?? CommandLine.arguments[0]
        var folder = URL(fileURLWithPath: executable).deletingLastPathComponent()
        // On macOS the tests live inside an .xctest bundle a few levels down.
        while folder.pathComponents.contains(where: { $0.hasSuffix(".xctest") }) {
            folder = folder.deletingLastPathComponent()
        }
        return folder.appendingPathComponent("rill").path
    }()

    @discardableResult
    static func run(_ arguments: [String], currentDirectory: String? = nil, timeout: Double = 300) throws -> ExternalTool.Output {
        try ExternalTool.run(path, arguments, currentDirectory: currentDirectory, timeout: timeout)
    }

    /// `rill info --json` decoded.
    static func info(_ source: String) throws -> RillInfo {
        let output = try run(["info", "--json", source])
        guard output.status == 0 else { throw ToolFailure("rill info failed: \(output.stderr)") }
        return try JSONDecoder().decode(RillInfo.self, from: Data(output.stdout.utf8))
    }
}

struct RillInfo: Decodable {
    struct File: Decodable {
        let path: String
        let length: Int
        let padding: Bool
    }
    let name: String?
    let info_hash: String
    /// BEP 52: the SHA-256 info-hash of a v2 or hybrid torrent.
    let info_hash_v2: String?
    let total_size: Int?
    let piece_length: Int?
    let piece_count: Int?
    let files: [File]?
    let trackers: [[String]]
    let magnet: String
}

struct ToolFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
