import Foundation
import TorrentCore

/// Debian's opentracker running on a free loopback port (HTTP and UDP on the same port), with a
/// whitelist of info-hashes, for the length of one test.
public final class OpenTrackerProcess {
    public let port: Int
    private let process: Process
    private let directory: TemporaryDirectory

    /// The opentracker binary, if installed.
    public static let binary: String? = ExternalTool.find("opentracker")

    public var httpAnnounceURL: String { "http://127.0.0.1:\(port)/announce" }
    public var udpAnnounceURL: String { "udp://127.0.0.1:\(port)/announce" }

    /// Starts the tracker and waits (at most 5 s) until it accepts connections.
    public init(binary: String, whitelist: [InfoHash]) throws {
        let directory = try TemporaryDirectory("rill-opentracker")
        // opentracker chroots into the folder and drops to `nobody`: both must be readable by all.
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: directory.path)
        let list = directory.file("whitelist")
        try directory.write("whitelist", Array(whitelist.map { $0.hex + "\n" }.joined().utf8))
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: list)
        self.directory = directory

        var lastError: (any Error)?
        for _ in 0..<5 {
            let port = try Self.freeLoopbackPort()
            let process = Process()
            process.executableURL = URL(fileURLWithPath: binary)
            process.arguments = ["-i", "127.0.0.1", "-p", "\(port)", "-P", "\(port)", "-d", directory.path, "-w", "whitelist"]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            do {
                try process.run()
                if Self.waitUntilReady(port: port, probe: whitelist.first, process: process, timeout: 5) {
                    self.port = port
                    self.process = process
                    return
                }
                Self.stop(process)
                lastError = OpenTrackerError.didNotStart(port: port)
            } catch {
                lastError = error
            }
        }
        directory.remove()
        throw lastError ?? OpenTrackerError.didNotStart(port: 0)
    }

    /// Stops the tracker and removes its folder.
    public func stop() {
        Self.stop(process)
        directory.remove()
    }

    /// SIGKILL: the tracker keeps nothing worth flushing, and a child started from the test runner
    /// can inherit a signal mask that blocks SIGTERM.
    private static func stop(_ process: Process) {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    #if os(Linux)
    private static let streamSocket = Int32(SOCK_STREAM.rawValue)
    private static let datagramSocket = Int32(SOCK_DGRAM.rawValue)
    #else
    private static let streamSocket = SOCK_STREAM
    private static let datagramSocket = SOCK_DGRAM
    #endif

    /// A port the kernel just handed out for TCP on 127.0.0.1, and free for UDP too.
    public static func freeLoopbackPort() throws -> Int {
        for _ in 0..<20 {
            let port = try boundPort(type: streamSocket, port: 0)
            if (try? boundPort(type: datagramSocket, port: port)) != nil { return port }
        }
        throw OpenTrackerError.noFreePort
    }

    /// Binds a socket of `type` to 127.0.0.1:`port`, closes it, and returns the port it had.
    private static func boundPort(type: Int32, port: Int) throws -> Int {
        let fd = socket(AF_INET, type, 0)
        guard fd >= 0 else { throw OpenTrackerError.noFreePort }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw in
                bind(fd, raw, length) == 0 && getsockname(fd, raw, &length) == 0
            }
        }
        guard bound else { throw OpenTrackerError.noFreePort }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// Waits until the tracker answers, and (opentracker reads its whitelist in a thread of its own)
    /// until an announce for `probe` is no longer refused.
    private static func waitUntilReady(port: Int, probe: InfoHash?, process: Process, timeout: Double) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        let path: String
        if let probe {
            let hash = probe.bytes.map { String(format: "%%%02X", $0) }.joined()
            path = "/announce?info_hash=\(hash)&peer_id=-XX0000-probeprobepr&port=1&uploaded=0&downloaded=0&left=0"
                + "&compact=1&event=stopped"
        } else {
            path = "/scrape"
        }
        while Date() < deadline && process.isRunning {
            if let reply = httpGet(port: port, path: path), !reply.contains("failure reason") { return true }
            usleep(50_000)
        }
        return false
    }

    /// The whole reply to `GET path` on 127.0.0.1:`port`, or nil when it cannot connect.
    private static func httpGet(port: Int, path: String) -> String? {
        let fd = socket(AF_INET, streamSocket, 0)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var timeout = timeval(tv_sec: 1, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        guard connectLoopback(fd, port: port) else { return nil }
        let request = Array("GET \(path) HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n".utf8)
        guard send(fd, request, request.count, 0) == request.count else { return nil }
        var reply: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while reply.count < 65_536 {
            let count = recv(fd, &chunk, chunk.count, 0)
            if count <= 0 { break }
            reply += chunk[0..<count]
        }
        return reply.isEmpty ? nil : String(decoding: reply, as: UTF8.self)
    }

    private static func connectLoopback(_ fd: Int32, port: Int) -> Bool {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
    }
}

enum OpenTrackerError: Error, CustomStringConvertible {
    case noFreePort
    case didNotStart(port: Int)

    var description: String {
        switch self {
        case .noFreePort: "no free loopback port for opentracker"
        case .didNotStart(let port): "opentracker did not start listening on 127.0.0.1:\(port) within 5 s"
        }
    }
}
