import Engine
import Foundation

/// Everything a user can set in `config.toml`, with the defaults used when a key is absent.
struct RillSettings: Equatable, Sendable {
    var downloadDirectory = NSHomeDirectory() + "/Downloads"
    var listenHost = "0.0.0.0"
    var listenPort = 6881
    /// Bytes per second; nil means unlimited.
    var downloadLimit: Int?
    var uploadLimit: Int?
    var maxActiveDownloads: Int? = 5
    var maxActiveSeeds: Int? = 10
    var maxConnections = 200
    var maxConnectionsPerTorrent = 80
    var maxConnectionsPerIP = 8
    /// Pieces assembled in memory and waiting for the disk, in MiB (backpressure above it).
    var pieceBufferMiB = 64
    var uploadSlots = 4
    var seedWhenComplete = true
    /// Stop seeding at this upload/download ratio; nil seeds without a goal.
    var ratioGoal: Double?
    var theme = "dark"
    var dhtEnabled = true
    /// UDP port of the DHT node; nil means the same as `listenPort`.
    var dhtPort: Int?
    var dhtBootstrap = DHTSettings.publicRouters
    var localDiscovery = true
    /// Accept and dial uTP (BEP 29) peers as well as TCP ones.
    var utpEnabled = true
    var encryption = EncryptionPolicy.enabled
}

/// Where one effective setting came from, for `rill config`.
enum SettingSource: Equatable, CustomStringConvertible {
    case builtIn
    case file(path: String, line: Int?)
    case commandLine

    var description: String {
        switch self {
        case .builtIn: "default"
        case .file(let path, let line): line.map { "\(path):\($0)" } ?? path
        case .commandLine: "command line"
        }
    }
}
