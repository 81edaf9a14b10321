import Foundation
import TestSupport

/// A `rill daemon` on 127.0.0.1 with its own RILL_HOME, and `transmission-remote` pointed at it.
final class RillDaemonProcess {
    let home: String
    let downloads: String
    let rpcPort: Int
    let process: BackgroundProcess

    init(home: String, downloads: String, rpcPort: Int? = nil, extra: [String] = []) throws {
        self.home = home
        self.downloads = downloads
        self.rpcPort = try rpcPort ?? OpenTrackerProcess.freeLoopbackPort()
        process = try BackgroundProcess(RillBinary.path, [
            "daemon", "--dir", downloads, "--port", "0", "--listen", "127.0.0.1", "--no-dht", "--no-lsd",
            "--rpc-port", String(self.rpcPort),
        ] + extra, environment: ["RILL_HOME": home])
        guard process.waitForLine(matching: "rill daemon ready", timeout: 60) != nil else {
            _ = process.stop()
            throw ToolFailure("rill daemon did not start: \(process.printed)")
        }
    }

    var address: String { "127.0.0.1:\(rpcPort)" }

    /// Stops it with SIGTERM; returns its exit status.
    @discardableResult
    func stop() -> Int32? { process.stop(signal: SIGTERM, timeout: 30) }
}

/// A real `transmission-daemon` on 127.0.0.1 (no DHT, LPD or port mapping), for comparisons.
final class TransmissionDaemonProcess {
    static let binary = ExternalTool.find("transmission-daemon")
    let rpcPort: Int
    let process: BackgroundProcess

    init(config: String, downloads: String) throws {
        let binary = try ToolFailure.require(Self.binary, "transmission-daemon is not installed")
        rpcPort = try OpenTrackerProcess.freeLoopbackPort()
        let peerPort = try OpenTrackerProcess.freeLoopbackPort()
        try FileManager.default.createDirectory(atPath: downloads, withIntermediateDirectories: true)
        process = try BackgroundProcess(binary, [
            "-f", "-g", config, "-p", String(rpcPort), "-w", downloads, "-P", String(peerPort), "-T", "-r", "127.0.0.1",
            "-i", "127.0.0.1", "-O", "-Y", "-M", "-GSR",
        ])
        // It prints nothing reliable on start; wait until the RPC port answers.
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            if let output = try? Remote.run(address, ["-l"]), output.status == 0 { return }
            Thread.sleep(forTimeInterval: 0.2)
        }
        _ = process.stop()
        throw ToolFailure("transmission-daemon did not answer: \(process.printed)")
    }

    var address: String { "127.0.0.1:\(rpcPort)" }

    func stop() { _ = process.stop(signal: SIGTERM, timeout: 30) }
}

/// `transmission-remote` (from transmission-cli).
enum Remote {
    static let binary = ExternalTool.find("transmission-remote")

    static func run(_ address: String, _ arguments: [String], timeout: Double = 30) throws -> ExternalTool.Output {
        let binary = try ToolFailure.require(binary, "transmission-remote is not installed")
        return try ExternalTool.run(binary, [address] + arguments, timeout: timeout)
    }

    /// Runs and requires success.
    static func ok(_ address: String, _ arguments: [String]) throws -> String {
        let output = try run(address, arguments)
        guard output.status == 0 else {
            throw ToolFailure("transmission-remote \(arguments) failed (\(output.status)): \(output.stderr)\(output.stdout)")
        }
        return output.stdout
    }

    /// Polls `-l` until `condition` holds for its output (bounded).
    static func waitForList(_ address: String, timeout: Double = 60, until condition: (String) -> Bool) throws -> String {
        let deadline = Date().addingTimeInterval(timeout)
        var last = ""
        while Date() < deadline {
            last = try ok(address, ["-l"])
            if condition(last) { return last }
            Thread.sleep(forTimeInterval: 0.25)
        }
        throw ToolFailure("timed out waiting; last list:\n\(last)")
    }

    /// The `-i` lines as key → value ("  Percent Done: 100%" → ["Percent Done": "100%"]).
    static func info(_ address: String, torrent: String) throws -> [String: String] {
        var facts: [String: String] = [:]
        for line in try ok(address, ["-t", torrent, "-i"]).split(separator: "\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let key = line[..<colon].trimmingCharacters(in: .whitespaces)
            facts[key] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return facts
    }
}

extension ToolFailure {
    static func require<T>(_ value: T?, _ message: String) throws -> T {
        guard let value else { throw ToolFailure(message) }
        return value
    }
}
