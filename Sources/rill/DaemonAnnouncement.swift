import Foundation
import TOMLKit

/// `daemon.json` in the state folder: where a running `rill daemon` answers RPC, so that a plain
/// `rill` on the same `RILL_HOME` attaches to it instead of opening the session a second time.
/// Credentials are never written here; they come from `rpc_username`/`rpc_password` in config.toml.
struct DaemonAnnouncement: Codable, Equatable {
    /// The RPC URL, e.g. `http://127.0.0.1:9091/transmission/rpc`.
    var url: String
    var pid: Int32

    static let fileName = "daemon.json"

    static func path(in stateFolder: String) -> String { stateFolder + "/" + fileName }

    /// Announces the daemon (called once its RPC port listens).
    static func write(url: String, pid: Int32, to stateFolder: String) throws {
        try FileManager.default.createDirectory(atPath: stateFolder, withIntermediateDirectories: true)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = try encoder.encode(DaemonAnnouncement(url: url, pid: pid))
        try data.write(to: URL(fileURLWithPath: path(in: stateFolder)), options: .atomic)
    }

    /// The announcement in `stateFolder`, or nil when there is none or it cannot be read.
    static func read(from stateFolder: String) -> DaemonAnnouncement? {
        guard let data = FileManager.default.contents(atPath: path(in: stateFolder)) else { return nil }
        return try? JSONDecoder().decode(DaemonAnnouncement.self, from: data)
    }

    /// Withdraws the announcement (the daemon is stopping).
    static func remove(from stateFolder: String) {
        try? FileManager.default.removeItem(atPath: path(in: stateFolder))
    }

    /// Whether the process that wrote it still runs (a crashed daemon leaves the file behind).
    var isProcessAlive: Bool {
        guard pid > 0 else { return false }
        return kill(pid, 0) == 0 || errno == EPERM
    }

    /// The URL with the RPC credentials of the configuration file, when it names them.
    func url(withCredentialsFrom configFile: String) -> String {
        guard let data = FileManager.default.contents(atPath: configFile),
              let text = String(data: data, encoding: .utf8),
              let table = try? TOMLTable(string: text),
              let username = table["rpc_username"]?.string, var components = URLComponents(string: url)
        else { return url }
        components.user = username
        components.password = table["rpc_password"]?.string
        return components.string ?? url
    }
}
