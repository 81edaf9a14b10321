import Foundation

/// `daemon.json` in rill's state folder: how a running `rill daemon` is reached, so a plain
/// `rill` of the same `RILL_HOME` attaches to it instead of starting its own engine.
struct DaemonAnnouncement: Codable, Equatable {
    /// The RPC endpoint, e.g. `http://127.0.0.1:9091/transmission/rpc`.
    var url: String
    var pid: Int32

    static let fileName = "daemon.json"

    static func write(url: String, pid: Int32, to stateFolder: String) throws {
        try FileManager.default.createDirectory(atPath: stateFolder, withIntermediateDirectories: true)
        let data = try JSONEncoder().encode(DaemonAnnouncement(url: url, pid: pid))
        try data.write(to: URL(fileURLWithPath: stateFolder).appendingPathComponent(fileName), options: .atomic)
    }

    /// The announcement, when the file exists and its process is alive.
    static func read(from stateFolder: String) -> DaemonAnnouncement? {
        let path = URL(fileURLWithPath: stateFolder).appendingPathComponent(fileName)
        guard let data = try? Data(contentsOf: path),
              let announcement = try? JSONDecoder().decode(DaemonAnnouncement.self, from: data) else { return nil }
        return kill(announcement.pid, 0) == 0 || errno == EPERM ? announcement : nil
    }

    /// Removes the file if it names this process (a newer daemon's file is left alone).
    static func remove(from stateFolder: String, pid: Int32 = getpid()) {
        let path = URL(fileURLWithPath: stateFolder).appendingPathComponent(fileName)
        guard let data = try? Data(contentsOf: path),
              let announcement = try? JSONDecoder().decode(DaemonAnnouncement.self, from: data),
              announcement.pid == pid else { return }
        try? FileManager.default.removeItem(at: path)
    }
}
