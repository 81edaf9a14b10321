import Foundation

/// A web seed for tests: `Tests/InteropTests/Scripts/webseed_server.py` serving a folder on
/// 127.0.0.1 with byte ranges, optionally failing every Nth request with 503.
public final class WebSeedServer: Sendable {
    public static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("InteropTests/Scripts/webseed_server.py").path

    public let process: BackgroundProcess
    public let port: Int

    /// Serves `root` once the script says it listens; throws `ToolMissing` without python3.
    public init(root: String, failEvery: Int = 0, shortEvery: Int = 0, ignoreRanges: Bool = false) throws {
        guard let python = ExternalTool.find("python3") else { throw ToolMissing("python3") }
        var arguments = [Self.script, root, "--fail-every", "\(failEvery)", "--short-every", "\(shortEvery)"]
        if ignoreRanges { arguments.append("--ignore-ranges") }
        process = try BackgroundProcess(python, arguments)
        guard let port = process.waitForLine(matching: "listening on (\\d+)", timeout: 20).flatMap({ Int($0) }) else {
            process.stop()
            throw ToolMissing("webseed_server.py did not start: \(process.printed)")
        }
        self.port = port
    }

    private init(process: BackgroundProcess, port: Int) {
        self.process = process
        self.port = port
    }

    /// The same, waiting for the port without blocking a thread (for async tests).
    public static func start(root: String, failEvery: Int = 0, shortEvery: Int = 0, ignoreRanges: Bool = false)
        async throws -> WebSeedServer {
        var arguments = [root, "--fail-every", "\(failEvery)", "--short-every", "\(shortEvery)"]
        if ignoreRanges { arguments.append("--ignore-ranges") }
        let server = try await ScriptServer.start("webseed_server.py", arguments)
        return WebSeedServer(process: server.process, port: server.port)
    }

    /// The URL of the served folder.
    public var url: String { "http://127.0.0.1:\(port)/" }

    /// Replies cut short so far.
    public var shortReplies: Int {
        process.printed.split(separator: "\n").count { $0.hasSuffix("-> 206 short") }
    }

    /// Requests answered with `status` so far.
    public func count(status: Int) -> Int {
        process.printed.split(separator: "\n").count { $0.hasSuffix("-> \(status)") }
    }

    /// The source address of every request so far.
    public var requestSources: [String] {
        process.printed.split(separator: "\n").compactMap { line in
            guard let from = line.range(of: " from "), let arrow = line.range(of: " -> ", range: from.upperBound..<line.endIndex)
            else { return nil }
            return String(line[from.upperBound..<arrow.lowerBound])
        }
    }

    /// Kills the server: under the test runner a SIGTERM did not end it (the wait ran into the
    /// 15 s timeout every time), and it holds nothing worth a clean exit.
    public func stop() {
        process.stop(signal: SIGKILL)
    }
}

/// A tool a test needs is not there.
public struct ToolMissing: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
