import Foundation

/// Where rill keeps its state: `$RILL_HOME` when set, else the XDG data folder (`~/.local/share/rill`).
enum RillPaths {
    static var dataHome: String {
        let env = ProcessInfo.processInfo.environment
        if let home = env["RILL_HOME"], !home.isEmpty { return home }
        if let xdg = env["XDG_DATA_HOME"], !xdg.isEmpty { return xdg + "/rill" }
        return NSHomeDirectory() + "/.local/share/rill"
    }

    /// Resume files, one per torrent.
    static var resumeFolder: String { dataHome + "/resume" }

    /// The DHT node's id and routing table, saved on exit.
    static var dhtStateFile: String { dataHome + "/dht.dat" }
}
