import Engine
import TOMLKit

/// One key of `config.toml`: its name (`table.key` inside a table), what it accepts, and how it
/// reads and shows its value. The table of keys drives parsing, checking and `rill config`.
struct SettingKey: Sendable {
    let name: String
    let help: String
    /// Applies a TOML value; returns a sentence saying what is wrong with it instead.
    let apply: @Sendable (inout RillSettings, TOMLValueConvertible) -> String?
    let show: @Sendable (RillSettings) -> String

    static let all: [SettingKey] = [
        text("download_dir", "folder new torrents download into", \.downloadDirectory) { path in
            path.hasPrefix("~") ? NSHomeDirectory() + path.dropFirst() : path
        },
        text("listen_host", "address to accept peers on", \.listenHost),
        integer("listen_port", "TCP port for peers (0: any free port)", \.listenPort, 0...65535),
        rate("download_limit", "download limit in bytes/s, like 500k or 2M (0: none)", \.downloadLimit),
        rate("upload_limit", "upload limit in bytes/s, like 500k or 2M (0: none)", \.uploadLimit),
        optionalCount("max_active_downloads", "torrents downloading at once (0: no limit)", \.maxActiveDownloads),
        optionalCount("max_active_seeds", "torrents seeding at once (0: no limit)", \.maxActiveSeeds),
        integer("max_connections", "peer connections in all", \.maxConnections, 1...10_000),
        integer("max_connections_per_torrent", "peer connections per torrent", \.maxConnectionsPerTorrent, 1...10_000),
        integer("max_connections_per_ip", "peer connections to or from one address", \.maxConnectionsPerIP, 1...1000),
        integer("piece_buffer_mb", "MiB of pieces held in memory on their way to disk", \.pieceBufferMiB, 4...4096),
        integer("upload_slots", "peers uploaded to at once, per torrent", \.uploadSlots, 1...100),
        flag("seed_when_complete", "keep uploading once a download is complete", \.seedWhenComplete),
        SettingKey(name: "seed_ratio_goal", help: "stop seeding at this upload/download ratio (0: no goal)",
                   apply: { settings, value in
                       guard let number = value.double ?? value.int.map(Double.init), number >= 0 else {
                           return "expected a number of 0 or more, like 2.0"
                       }
                       settings.ratioGoal = number > 0 ? number : nil
                       return nil
                   },
                   show: { $0.ratioGoal.map { String($0) } ?? "0" }),
        text("theme", "theme name (a file in Themes/) or path", \.theme),
        flag("dht.enabled", "find peers through the Mainline DHT", \.dhtEnabled),
        SettingKey(name: "dht.port", help: "UDP port of the DHT node (0: same as listen_port)",
                   apply: { settings, value in
                       guard let port = value.int, (0...65535).contains(port) else {
                           return "expected a port between 0 and 65535"
                       }
                       settings.dhtPort = port == 0 ? nil : port
                       return nil
                   },
                   show: { String($0.dhtPort ?? 0) }),
        SettingKey(name: "dht.bootstrap", help: "DHT nodes to start from, as HOST:PORT",
                   apply: { settings, value in
                       guard let list = value.array?.map({ $0.string }), list.allSatisfy({ $0?.contains(":") == true })
                       else { return "expected a list of \"HOST:PORT\" strings" }
                       settings.dhtBootstrap = list.compactMap { $0 }
                       return nil
                   },
                   show: { "[" + $0.dhtBootstrap.map { "\"\($0)\"" }.joined(separator: ", ") + "]" }),
        flag("lsd.enabled", "find peers on the local network (BEP 14)", \.localDiscovery),
        flag("utp", "connect to and accept peers over uTP (BEP 29) as well as TCP", \.utpEnabled),
        flag("direct_io", "write downloads past the page cache (O_DIRECT) where the file system allows",
             \.directIO),
        SettingKey(name: "encryption", help: "peer encryption: disabled, enabled, preferred or required",
                   apply: { settings, value in
                       guard let policy = value.string.flatMap(EncryptionPolicy.init(rawValue:)) else {
                           return "expected \"disabled\", \"enabled\", \"preferred\" or \"required\""
                       }
                       settings.encryption = policy
                       return nil
                   },
                   show: { "\"\($0.encryption.rawValue)\"" }),
        SettingKey(name: "proxy", help: "SOCKS5 proxy for every connection, socks5://user:pass@host:port (\"\": none)",
                   apply: { settings, value in
                       guard let text = value.string else { return "expected a string like \"socks5://host:1080\"" }
                       if text.isEmpty {
                           settings.proxy = nil
                           return nil
                       }
                       do {
                           settings.proxy = try SOCKS5Proxy(url: text)
                           return nil
                       } catch {
                           return "\(error)"
                       }
                   },
                   show: { "\"\($0.proxy?.description ?? "")\"" }),
        integer("rpc_port", "TCP port of the daemon's Transmission RPC", \.rpcPort, 0...65535),
        text("rpc_bind", "address the RPC listens on (beyond loopback it needs rpc_username and rpc_password)",
             \.rpcBind),
        optionalText("rpc_username", "user name the RPC asks for (HTTP Basic)", \.rpcUsername),
        optionalText("rpc_password", "password the RPC asks for (HTTP Basic)", \.rpcPassword, secret: true),
        SettingKey(name: "rpc_host_whitelist", help: "host names the RPC answers to besides localhost and IPs",
                   apply: { settings, value in
                       guard let list = value.array?.map({ $0.string }), list.allSatisfy({ $0?.isEmpty == false })
                       else { return "expected a list of host names" }
                       settings.rpcHostWhitelist = list.compactMap { $0 }
                       return nil
                   },
                   show: { "[" + $0.rpcHostWhitelist.map { "\"\($0)\"" }.joined(separator: ", ") + "]" }),
        optionalText("watch_dir", "folder whose .torrent and .magnet files the daemon and the UI add", \.watchDirectory) {
            path in path.hasPrefix("~") ? NSHomeDirectory() + path.dropFirst() : path
        },
    ]

    static func optionalText(_ name: String, _ help: String, _ path: WritableKeyPath<RillSettings, String?> & Sendable,
                             secret: Bool = false, _ transform: @escaping @Sendable (String) -> String = { $0 })
        -> SettingKey {
        SettingKey(name: name, help: help, apply: { settings, value in
            guard let text = value.string else { return "expected a string" }
            settings[keyPath: path] = text.isEmpty ? nil : transform(text)
            return nil
        }, show: { settings in
            guard let value = settings[keyPath: path] else { return "(none)" }
            return secret ? "(set)" : "\"\(value)\""
        })
    }

    // MARK: - Kinds of keys

    static func text(_ name: String, _ help: String, _ path: WritableKeyPath<RillSettings, String> & Sendable,
                     _ transform: @escaping @Sendable (String) -> String = { $0 }) -> SettingKey {
        SettingKey(name: name, help: help, apply: { settings, value in
            guard let text = value.string, !text.isEmpty else { return "expected a non-empty string" }
            settings[keyPath: path] = transform(text)
            return nil
        }, show: { "\"\($0[keyPath: path])\"" })
    }

    static func integer(_ name: String, _ help: String, _ path: WritableKeyPath<RillSettings, Int> & Sendable,
                        _ range: ClosedRange<Int>) -> SettingKey {
        SettingKey(name: name, help: help, apply: { settings, value in
            guard let number = value.int, range.contains(number) else {
                return "expected a whole number from \(range.lowerBound) to \(range.upperBound)"
            }
            settings[keyPath: path] = number
            return nil
        }, show: { String($0[keyPath: path]) })
    }

    static func optionalCount(_ name: String, _ help: String, _ path: WritableKeyPath<RillSettings, Int?> & Sendable)
        -> SettingKey {
        SettingKey(name: name, help: help, apply: { settings, value in
            guard let number = value.int, number >= 0 else { return "expected a whole number of 0 or more" }
            settings[keyPath: path] = number == 0 ? nil : number
            return nil
        }, show: { String($0[keyPath: path] ?? 0) })
    }

    static func rate(_ name: String, _ help: String, _ path: WritableKeyPath<RillSettings, Int?> & Sendable) -> SettingKey {
        SettingKey(name: name, help: help, apply: { settings, value in
            guard let bytes = value.int ?? value.string.flatMap(ByteCount.parse), bytes >= 0 else {
                return "expected bytes per second, like 500000, \"500k\" or \"2M\""
            }
            settings[keyPath: path] = bytes == 0 ? nil : bytes
            return nil
        }, show: { $0[keyPath: path].map { ByteCount.format($0) + "/s" } ?? "0 (unlimited)" })
    }

    static func flag(_ name: String, _ help: String, _ path: WritableKeyPath<RillSettings, Bool> & Sendable) -> SettingKey {
        SettingKey(name: name, help: help, apply: { settings, value in
            guard let flag = value.bool else { return "expected true or false" }
            settings[keyPath: path] = flag
            return nil
        }, show: { String($0[keyPath: path]) })
    }
}

import Foundation
