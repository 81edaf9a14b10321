#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ArgumentParser

/// A failure the command line reports as one sentence, without a stack trace.
struct CLIError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Exit codes beyond 0 (success) and 1 (error).
enum RillExit {
    /// `rill check`: the data on disk is incomplete or damaged.
    static let incomplete = ExitCode(2)
}

/// Commands that report any error as `rill: <sentence>` on standard error and exit 1.
protocol RillCommand: ParsableCommand {
    func execute() throws
}

extension RillCommand {
    func run() throws {
        do {
            try execute()
        } catch let exit as ExitCode {
            throw exit
        } catch {
            Console.printError("rill: \(String(describing: error))")
            throw ExitCode.failure
        }
    }
}

/// Async commands with the same error reporting as `RillCommand`.
protocol AsyncRillCommand: AsyncParsableCommand {
    func execute() async throws
}

extension AsyncRillCommand {
    func run() async throws {
        do {
            try await execute()
        } catch let exit as ExitCode {
            throw exit
        } catch {
            Console.printError("rill: \(String(describing: error))")
            throw ExitCode.failure
        }
    }
}

/// Reads a whole file, turning failures into a sentence with the OS's reason.
func readFileBytes(_ path: String, what: String = "file") throws -> [UInt8] {
    let fd = open(path, O_RDONLY)
    guard fd >= 0 else { throw CLIError("cannot open \(what) '\(path)': \(errnoText())") }
    defer { close(fd) }
    var info = stat()
    guard fstat(fd, &info) == 0 else { throw CLIError("cannot read \(what) '\(path)': \(errnoText())") }
    if (info.st_mode & S_IFMT) == S_IFDIR { throw CLIError("'\(path)' is a folder, not a \(what)") }
    guard info.st_size <= 256 << 20 else { throw CLIError("\(what) '\(path)' is too large to be a torrent") }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 1 << 16)
    while true {
        let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if count < 0 {
            if errno == EINTR { continue }
            throw CLIError("cannot read \(what) '\(path)': \(errnoText())")
        }
        if count == 0 { break }
        bytes.append(contentsOf: chunk[0..<count])
    }
    return bytes
}

/// Writes a whole file atomically (temporary file, then rename).
func writeFileBytes(_ bytes: [UInt8], to path: String) throws {
    let temporary = path + ".rill-tmp"
    let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    guard fd >= 0 else { throw CLIError("cannot write '\(path)': \(errnoText())") }
    var written = 0
    while written < bytes.count {
        let count = bytes[written...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        if count < 0 {
            if errno == EINTR { continue }
            let reason = errnoText()
            close(fd)
            unlink(temporary)
            throw CLIError("cannot write '\(path)': \(reason)")
        }
        written += count
    }
    guard close(fd) == 0 else {
        let reason = errnoText()
        unlink(temporary)
        throw CLIError("cannot write '\(path)': \(reason)")
    }
    guard rename(temporary, path) == 0 else {
        let reason = errnoText()
        unlink(temporary)
        throw CLIError("cannot write '\(path)': \(reason)")
    }
}

func errnoText(_ code: Int32 = errno) -> String { String(cString: strerror(code)) }
