import Foundation

/// A program running beside a test (a seeder, a tracker): its output is collected as it comes,
/// and it is stopped with a signal; `deinit` kills it if the test forgot.
public final class BackgroundProcess: @unchecked Sendable {
    private let process = Process()
    private let lock = NSLock()
    private var output = ""

    /// Starts `executable`; standard output and error are merged.
    public init(_ executable: String, _ arguments: [String], environment: [String: String]? = nil,
                currentDirectory: String? = nil) throws {
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let environment {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        if let currentDirectory { process.currentDirectoryURL = URL(fileURLWithPath: currentDirectory) }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // A thread of its own reads until the end of the output. Not `readabilityHandler`: its
        // dispatch source outlived the pipe's descriptor when the handle was freed first, and
        // libdispatch's event thread crashed the test runner on the stale descriptor.
        // (`FileHandle.read(upToCount:)` waits for the whole count; one `read(2)` returns what is there.)
        let reading = pipe.fileHandleForReading
        let reader = Thread { [weak self] in
            var buffer = [UInt8](repeating: 0, count: 64 * 1024)
            while true {
                let count = buffer.withUnsafeMutableBytes { read(reading.fileDescriptor, $0.baseAddress, $0.count) }
                if count < 0 && errno == EINTR { continue }
                guard count > 0, let self else { break }
                self.append(Data(buffer[..<count]))
            }
            try? reading.close()
        }
        reader.start()
    }

    private func append(_ data: Data) {
        lock.lock()
        output += String(decoding: data, as: UTF8.self)
        lock.unlock()
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }

    /// Everything printed so far.
    public var printed: String {
        lock.lock()
        defer { lock.unlock() }
        return output
    }

    public var isRunning: Bool { process.isRunning }

    public var processIdentifier: Int32 { process.processIdentifier }

    /// Waits until the output contains a line matching `pattern` and returns its first capture
    /// group (or the whole match); nil when `timeout` passes or the process ends first.
    public func waitForLine(matching pattern: String, timeout: Double) -> String? {
        let regex = try! NSRegularExpression(pattern: pattern)
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            let text = printed
            if let match = regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) {
                let range = match.numberOfRanges > 1 ? match.range(at: 1) : match.range
                return Range(range, in: text).map { String(text[$0]) }
            }
            if !process.isRunning { return nil }
            usleep(20_000)
        }
        return nil
    }

    /// Sends `signal` and waits up to `timeout` seconds for the exit; returns the exit status
    /// (nil if it had to be killed).
    @discardableResult
    public func stop(signal: Int32 = SIGTERM, timeout: Double = 15) -> Int32? {
        if process.isRunning { kill(process.processIdentifier, signal) }
        return waitForExit(timeout: timeout)
    }

    /// Waits up to `timeout` seconds for the process to end by itself; kills it after that.
    @discardableResult
    public func waitForExit(timeout: Double) -> Int32? {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            return nil
        }
        process.waitUntilExit()
        return process.terminationStatus
    }
}
