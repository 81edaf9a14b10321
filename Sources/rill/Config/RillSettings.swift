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
    /// Write downloaded pieces with O_DIRECT where the file system allows it.
    var directIO = true
    var encryption = EncryptionPolicy.enabled
    /// Every outgoing connection through this SOCKS5 proxy; nil connects directly.
    var proxy: SOCKS5Proxy?
    // The daemon's Transmission RPC.
    var rpcPort = 9091
    /// Loopback unless the user asks otherwise; anything else needs credentials.
    var rpcBind = "127.0.0.1"
    var rpcUsername: String?
    var rpcPassword: String?
    /// Host names the RPC answers to besides localhost and IP addresses (DNS-rebinding guard).
    var rpcHostWhitelist: [String] = []
    /// A folder watched for `.torrent` and `.magnet` files to add; nil watches none.
    var watchDirectory: String?
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
