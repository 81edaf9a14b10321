import Foundation

/// Runs programs for interop tests and finds the ones installed on this machine.
public enum ExternalTool {
    /// The result of a finished program.
    public struct Output: Sendable {
        public let status: Int32
        public let stdout: String
        public let stderr: String
    }

    /// Full path of `name` on PATH or in the usual system folders (the test runner's PATH may be
    /// trimmed), or nil.
    public static func find(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        let standard = ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"]
        for folder in path.split(separator: ":").map(String.init) + standard {
            let candidate = "\(folder)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// True when `/usr/bin/python3` can import libtorrent.
    public static let hasPythonLibtorrent: Bool = {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/python3") else { return false }
        return (try? run("/usr/bin/python3", ["-c", "import libtorrent"], timeout: 30).status) == 0
    }()

    /// Whether tests must fail instead of skipping when a tool is missing (set in CI).
    public static var toolsRequired: Bool {
        let env = ProcessInfo.processInfo.environment
        return env["CI"] == "true" || env["CI"] == "1" || env["RILL_REQUIRE_TOOLS"] == "1"
    }

    /// Runs `executable` with `arguments`, waiting at most `timeout` seconds (then it is killed).
    public static func run(_ executable: String, _ arguments: [String], input: [UInt8]? = nil,
                           currentDirectory: String? = nil, environment: [String: String]? = nil,
                           timeout: Double = 120) throws -> Output {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let currentDirectory { process.currentDirectoryURL = URL(fileURLWithPath: currentDirectory) }
        if let environment {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        let outPipe = Pipe()
        let errPipe = Pipe()
        let inPipe = Pipe()
        process.standardOutput = outPipe
        process.standardError = errPipe
        process.standardInput = inPipe
        try process.run()
        if let input { inPipe.fileHandleForWriting.write(Data(input)) }
        try? inPipe.fileHandleForWriting.close()

        // Read both pipes concurrently so a chatty program cannot block on a full pipe.
        let collected = OutputCollector()
        let group = DispatchGroup()
        for (pipe, isOut) in [(outPipe, true), (errPipe, false)] {
            group.enter()
            DispatchQueue.global().async {
                let data = pipe.fileHandleForReading.readDataToEndOfFile()
                collected.set(data, isOut: isOut)
                group.leave()
            }
        }
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(10_000) }
        if process.isRunning {
            process.terminate()
            usleep(200_000)
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        }
        process.waitUntilExit()
        group.wait()
        return Output(status: process.terminationStatus, stdout: collected.out, stderr: collected.err)
    }
}

private final class OutputCollector: @unchecked Sendable {
    private let lock = NSLock()
    private var outData = Data()
    private var errData = Data()

    func set(_ data: Data, isOut: Bool) {
        lock.lock()
        defer { lock.unlock() }
        if isOut { outData = data } else { errData = data }
    }

    var out: String {
        lock.lock()
        defer { lock.unlock() }
        return String(decoding: outData, as: UTF8.self)
    }

    var err: String {
        lock.lock()
        defer { lock.unlock() }
        return String(decoding: errData, as: UTF8.self)
    }
}
