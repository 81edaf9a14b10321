import Foundation

/// Where rill keeps its files. `$RILL_HOME` (when set) holds all of them; otherwise the XDG
/// folders: state in `~/.local/share/rill`, the configuration in `~/.config/rill`.
enum RillPaths {
    private static var environment: [String: String] { ProcessInfo.processInfo.environment }

    private static var rillHome: String? {
        guard let home = environment["RILL_HOME"], !home.isEmpty else { return nil }
        return home
    }

    static var dataHome: String {
        if let home = rillHome { return home }
        if let xdg = environment["XDG_DATA_HOME"], !xdg.isEmpty { return xdg + "/rill" }
        return NSHomeDirectory() + "/.local/share/rill"
    }

    static var configHome: String {
        if let home = rillHome { return home }
        if let xdg = environment["XDG_CONFIG_HOME"], !xdg.isEmpty { return xdg + "/rill" }
        return NSHomeDirectory() + "/.config/rill"
    }

    /// Resume files, the remembered session and its torrent files.
    static var resumeFolder: String { dataHome + "/resume" }

    static var configFile: String { configHome + "/config.toml" }

    /// The log of the terminal UI, which never writes to the screen it draws.
    static var logFile: String { dataHome + "/rill.log" }

    /// The DHT routing table saved between runs.
    static var dhtStateFile: String { dataHome + "/dht.dat" }

    /// Folders searched for `NAME.toml` themes, first match wins: the user's own, then the ones
    /// shipped in the repository's `Themes/` (found from the working folder or from the source).
    static var themeFolders: [String] {
        var folders = [configHome + "/themes", FileManager.default.currentDirectoryPath + "/Themes"]
        let source = URL(fileURLWithPath: #filePath)  // Sources/rill/RillPaths.swift
        folders.append(source.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Themes").path)
        var seen = Set<String>()
        return folders.filter { seen.insert($0).inserted }
    }
}
