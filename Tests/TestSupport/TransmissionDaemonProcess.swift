import Foundation

/// A real `transmission-daemon` on 127.0.0.1 for the length of one test: its own config and
/// download folders, RPC and peer ports on loopback, no DHT, LPD, uTP or port mapping.
public final class TransmissionDaemonProcess {
    public let rpcPort: Int
    public let directory: TemporaryDirectory
    private let process: BackgroundProcess

    /// The binary, if installed.
    public static let binary: String? = ExternalTool.find("transmission-daemon")

    public var downloadFolder: String { directory.file("downloads") }
    /// The RPC URL, with credentials when the daemon was started with them.
    public let url: String

    /// Starts the daemon (with HTTP Basic auth when `username` is given) and waits, at most 10 s,
    /// until its RPC port answers.
    public init(binary: String, username: String? = nil, password: String? = nil) throws {
        directory = try TemporaryDirectory("rill-transmission")
        try FileManager.default.createDirectory(atPath: directory.file("downloads"), withIntermediateDirectories: true)
        rpcPort = try OpenTrackerProcess.freeLoopbackPort()
        let peerPort = try OpenTrackerProcess.freeLoopbackPort()
        var arguments = ["-f", "-g", directory.file("config"), "-p", "\(rpcPort)", "-r", "127.0.0.1",
                         "-w", directory.file("downloads"), "-O", "-Y", "--no-utp", "-M", "-i", "127.0.0.1",
                         "-P", "\(peerPort)", "--log-error"]
        if let username {
            arguments += ["-t", "-u", username, "-v", password ?? ""]
            url = "http://\(username):\(password ?? "")@127.0.0.1:\(rpcPort)"
        } else {
            arguments.append("-T")
            url = "http://127.0.0.1:\(rpcPort)"
        }
        process = try BackgroundProcess(binary, arguments)
        let deadline = Date().addingTimeInterval(10)
        while !Self.answers(port: rpcPort) {
            guard Date() < deadline, process.isRunning else {
                process.stop()
                throw TransmissionDaemonError.didNotStart(process.printed)
            }
            usleep(50_000)
        }
    }

    /// Whether something accepts TCP connections on 127.0.0.1:`port`.
    private static func answers(port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
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

    /// `transmission-remote` against this daemon, e.g. `["-l"]`.
    public func remote(_ arguments: [String], credentials: String? = nil) throws -> ExternalTool.Output {
        guard let tool = ExternalTool.find("transmission-remote") else { throw TransmissionDaemonError.noRemote }
        let auth = credentials.map { ["-n", $0] } ?? []
        return try ExternalTool.run(tool, ["127.0.0.1:\(rpcPort)"] + auth + arguments, timeout: 30)
    }

    public var processIdentifier: Int32 { process.processIdentifier }

    /// Stops the daemon and removes its folders.
    public func stop() {
        process.stop()
        directory.remove()
    }

    deinit { process.stop(signal: SIGKILL, timeout: 5) }
}

public enum TransmissionDaemonError: Error, CustomStringConvertible {
    case didNotStart(String)
    case noRemote

    public var description: String {
        switch self {
        case .didNotStart(let output): "transmission-daemon did not start: \(output)"
        case .noRemote: "transmission-remote is not installed"
        }
    }
}
