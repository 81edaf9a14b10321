#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Plain terminal output for the headless commands.
enum Console {
    static func printError(_ line: String) {
        writeStandardError(line + "\n")
    }

    /// Writes `text` to file descriptor 2 unbuffered, so it interleaves correctly with progress lines.
    static func writeStandardError(_ text: String) {
        var text = text
        text.withUTF8 { buffer in
            var offset = 0
            while offset < buffer.count {
                let count = write(2, buffer.baseAddress! + offset, buffer.count - offset)
                if count <= 0 { break }
                offset += count
            }
        }
    }

    static var standardErrorIsTerminal: Bool { isatty(2) == 1 }
}

/// One self-updating status line on standard error while a long job runs; silent when
/// standard error is not a terminal, so scripts and logs stay clean.
final class ProgressLine: @unchecked Sendable {
    private let label: String
    private let enabled: Bool
    private let start = ContinuousClock.now
    private var lastDraw = ContinuousClock.now - .seconds(1)
    private let lock = SpinLock()

    init(_ label: String, enabled: Bool = Console.standardErrorIsTerminal) {
        self.label = label
        self.enabled = enabled
    }

    /// Shows `done` of `total` pieces and the elapsed time.
    func update(done: Int, total: Int) {
        guard enabled else { return }
        lock.withLock {
            let now = ContinuousClock.now
            guard now - lastDraw >= .milliseconds(100) || done == total else { return }
            lastDraw = now
            let seconds = max(0.001, (now - start).seconds)
            let percent = total == 0 ? 100 : Double(done) * 100 / Double(total)
            let text = "\r\u{1B}[2K\(label) \(Format.fixed(percent, 1))%  \(done)/\(total) pieces  \(Format.fixed(seconds, 1)) s"
            Console.writeStandardError(text)
        }
    }

    /// Clears the line.
    func finish() {
        guard enabled else { return }
        Console.writeStandardError("\r\u{1B}[2K")
    }
}

/// A minimal lock for the progress line (called from hashing threads).
final class SpinLock: @unchecked Sendable {
    private var mutex = pthread_mutex_t()
    init() { pthread_mutex_init(&mutex, nil) }
    deinit { pthread_mutex_destroy(&mutex) }
    func withLock<T>(_ body: () throws -> T) rethrows -> T {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        return try body()
    }
}

extension Duration {
    var seconds: Double {
        let (s, atto) = components
        return Double(s) + Double(atto) / 1e18
    }
}
