import Foundation

/// A Python server from `Tests/InteropTests/Scripts` run beside a test: started with
/// `/usr/bin/python3`-style lookup, ready once it prints `listening on PORT`, killed on `stop()`.
public final class ScriptServer: Sendable {
    public static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("InteropTests/Scripts").path

    public let process: BackgroundProcess
    public let port: Int

    private init(process: BackgroundProcess, port: Int) {
        self.process = process
        self.port = port
    }

    /// Starts `Scripts/<script>` with `arguments` and waits (without blocking a thread) up to
    /// `timeout` for its port; throws `ToolMissing` without python3 or when it does not start.
    public static func start(_ script: String, _ arguments: [String], timeout: Duration = .seconds(20))
        async throws -> ScriptServer {
        guard let python = ExternalTool.find("python3") else { throw ToolMissing("python3") }
        let process = try BackgroundProcess(python, ["-u", "\(folder)/\(script)"] + arguments)
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while clock.now < deadline, process.isRunning {
            if let line = process.printed.split(separator: "\n").first(where: { $0.hasPrefix("listening on ") }),
               let port = Int(line.dropFirst("listening on ".count)) {
                return ScriptServer(process: process, port: port)
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        process.stop(signal: SIGKILL, timeout: 1)
        throw ToolMissing("\(script) did not start: \(process.printed)")
    }

    /// What `start` gives, or nil (after printing why) when a tool it needs is missing and tests may
    /// skip: with `CI=true` a missing tool fails the test.
    public static func startedOrSkipped<T>(_ start: () async throws -> T) async throws -> T? {
        do {
            return try await start()
        } catch let missing as ToolMissing {
            if ExternalTool.toolsRequired { throw missing }
            print("skipped: \(missing)")
            return nil
        }
    }

    /// The lines printed so far.
    public var lines: [Substring] { process.printed.split(separator: "\n") }

    /// Kills the server (the scripts hold nothing worth a clean exit).
    public func stop() {
        process.stop(signal: SIGKILL, timeout: 2)
    }
}
