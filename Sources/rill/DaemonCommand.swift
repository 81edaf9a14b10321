import ArgumentParser
import Engine
import EngineAPI
import Foundation
import Logging
import TorrentCore
import TransmissionRPC

/// `rill daemon`: the session without a screen, driven through the Transmission RPC, until
/// SIGTERM or SIGINT (or an RPC `session-close`).
struct DaemonCommand: AsyncRillCommand {
    static let configuration = CommandConfiguration(
        commandName: "daemon",
        abstract: "Run headless, controlled through the Transmission RPC (transmission-remote, Sonarr, …).",
        discussion: """
            Runs the saved session (the same one the full-screen client uses; $RILL_HOME) in the \
            foreground and logs to standard error. The RPC listens on 127.0.0.1:9091 unless told \
            otherwise; beyond loopback it needs --rpc-username and --rpc-password. A plain 'rill' \
            attaches to a daemon of the same $RILL_HOME; 'q' there detaches and leaves it running. \
            Settings come from config.toml (see 'rill config'); options here override them.
            """
    )

    @Option(help: "Folder new torrents download into (default: download_dir of the configuration).")
    var dir: String?

    @Option(help: "TCP port to accept peers on (0: any free port).")
    var port: Int?

    @Option(help: "Address to accept peers on.")
    var listen: String?

    @Option(help: "Download rate limit in bytes per second, with an optional k/M suffix (500k, 2M).")
    var maxDown: String?

    @Option(help: "Upload rate limit in bytes per second, with an optional k/M suffix (500k, 2M).")
    var maxUp: String?

    @Option(help: "Message stream encryption: disabled, enabled, preferred or required.")
    var encryption: EncryptionPolicy?

    @Flag(help: "Do not use the DHT.")
    var noDht = false

    @Option(name: .customLong("dht-bootstrap"), help: "A DHT node to join through, as HOST:PORT (repeatable).")
    var dhtBootstrap: [String] = []

    @Option(help: "UDP port of the DHT node (default: the peer port).")
    var dhtPort: Int?

    @Flag(help: "Do not announce or look for peers on the local network (LSD).")
    var noLsd = false

    @Flag(help: "Use TCP only: no uTP (BEP 29) connections either way.")
    var noUtp = false

    @Option(help: "TCP port of the RPC (default 9091; 0: any free port).")
    var rpcPort: Int?

    @Option(help: "Address the RPC listens on (default 127.0.0.1; anything else needs credentials).")
    var rpcBind: String?

    @Option(help: "User name the RPC asks for (HTTP Basic).")
    var rpcUsername: String?

    @Option(help: "Password the RPC asks for (HTTP Basic).")
    var rpcPassword: String?

    @Option(name: .customLong("rpc-host"), help: "A host name the RPC answers to besides localhost and IPs (repeatable).")
    var rpcHosts: [String] = []

    @Option(help: "A folder to watch for .torrent and .magnet files (default: watch_dir of the configuration).")
    var watchDir: String?

    @Flag(help: "Log connections and tracker replies too.")
    var verbose = false

    func validate() throws {
        for (name, value) in [("--port", port), ("--rpc-port", rpcPort), ("--dht-port", dhtPort)] {
            if let value, !(0...65535).contains(value) { throw ValidationError("\(name) must be between 0 and 65535") }
        }
        for (name, value) in [("--max-down", maxDown), ("--max-up", maxUp)] {
            if let value, (ByteCount.parse(value) ?? 0) <= 0 {
                throw ValidationError("\(name) must be a positive number of bytes per second, like 500k or 2M")
            }
        }
        for node in dhtBootstrap where PeerEndpoint(parsing: node) == nil {
            throw ValidationError("--dht-bootstrap '\(node)' is not HOST:PORT")
        }
    }

    /// The configuration file's settings with this command line's options on top.
    func settings(from file: RillSettings) -> RillSettings {
        var settings = file
        if let dir { settings.downloadDirectory = dir }
        if let port { settings.listenPort = port }
        if let listen { settings.listenHost = listen }
        if let maxDown { settings.downloadLimit = ByteCount.parse(maxDown) }
        if let maxUp { settings.uploadLimit = ByteCount.parse(maxUp) }
        if let encryption { settings.encryption = encryption }
        if noDht { settings.dhtEnabled = false }
        if !dhtBootstrap.isEmpty { settings.dhtBootstrap = dhtBootstrap }
        if let dhtPort { settings.dhtPort = dhtPort }
        if noLsd { settings.localDiscovery = false }
        if noUtp { settings.utpEnabled = false }
        if let rpcPort { settings.rpcPort = rpcPort }
        if let rpcBind { settings.rpcBind = rpcBind }
        if let rpcUsername { settings.rpcUsername = rpcUsername }
        if let rpcPassword { settings.rpcPassword = rpcPassword }
        if !rpcHosts.isEmpty { settings.rpcHostWhitelist += rpcHosts }
        if let watchDir { settings.watchDirectory = watchDir }
        return settings
    }

    func execute() async throws {
        let config = ConfigFile(path: RillPaths.configFile)
        let settings = settings(from: config.settings)
        var logger = Logger(label: "rill") { label in StreamLogHandler.standardError(label: label) }
        logger.logLevel = verbose ? .debug : .info
        for problem in config.problems { logger.warning("\(problem)") }

        let rpc = RPCServerConfiguration(
            host: settings.rpcBind, port: settings.rpcPort,
            policy: RPCAccessPolicy(username: settings.rpcUsername, password: settings.rpcPassword,
                                    allowedHostNames: Set(settings.rpcHostWhitelist)))
        if !rpc.isLoopbackOnly && !rpc.policy.requiresCredentials {
            throw CLIError(RPCServerError.credentialsRequired(host: rpc.host).description)
        }

        try? FileManager.default.createDirectory(atPath: settings.downloadDirectory, withIntermediateDirectories: true)
        var configuration = SessionConfiguration(settings: settings)
        configuration.resumeFolder = RillPaths.resumeFolder
        configuration.persistTorrents = true
        configuration.restoreSavedTorrentsOnStart = true
        let session: any TorrentEngine
        do { session = try await Session(configuration: configuration, logger: logger) } catch {
            throw CLIError("\(error)")
        }

        let stop = StopRequest()
        let signals = SignalWatcher()
        let service = RPCService(engine: session, hooks: RPCService.Hooks(
            fetchTorrent: { [session] url in try await session.fetchTorrentFile(from: url) },
            closeSession: { stop.request() }, configDirectory: RillPaths.configHome))
        let server: RPCServer
        do {
            server = try await RPCServer.start(service: service, configuration: rpc)
        } catch {
            await session.close()
            throw CLIError("\(error)")
        }
        let url = "http://\(Self.urlHost(rpc.host)):\(server.port)/transmission/rpc"
        try? DaemonAnnouncement.write(url: url, pid: getpid(), to: RillPaths.dataHome)
        let peerPort = session.snapshot(detail: nil).listenPort
        logger.info("rill daemon ready: RPC at \(url), peers on port \(peerPort)")
        SystemdNotify.send("READY=1\nSTATUS=RPC at \(url)")

        let watch = settings.watchDirectory.map { folder in
            WatchFolder(folder: folder, engine: session) { [logger] line in logger.info("\(line)") }
        }
        if let watch { logger.info("watching \(watch.folder) for .torrent and .magnet files") }
        var names: [TorrentID: String] = [:]
        var tick = 0
        while !signals.received && !stop.isRequested {
            try? await Task.sleep(for: .milliseconds(250))
            tick += 1
            let events = session.drainEvents()
            if !events.isEmpty {
                for row in session.snapshot(detail: nil).torrents { names[row.id] = row.name }
                for event in events { Self.log(event, names: names, to: logger) }
            }
            if tick % 8 == 0, let watch { await watch.scan() }
        }

        logger.info("rill daemon stopping: saving the session and telling trackers goodbye")
        SystemdNotify.send("STOPPING=1")
        await server.close()
        DaemonAnnouncement.remove(from: RillPaths.dataHome)
        await session.close()
        logger.info("rill daemon stopped")
    }

    static func log(_ event: EngineEvent, names: [TorrentID: String], to logger: Logger) {
        let (line, severity) = event.logLine { names[$0] ?? $0.hex }
        switch severity {
        case .info: logger.info("\(line)")
        case .warning: logger.warning("\(line)")
        case .error: logger.error("\(line)")
        }
    }

    /// An address as a URL's host: IPv6 in brackets, and the wildcard as loopback (where a local UI reaches it).
    static func urlHost(_ host: String) -> String {
        switch host {
        case "0.0.0.0", "": "127.0.0.1"
        case "::": "[::1]"
        default: host.contains(":") ? "[\(host)]" : host
        }
    }
}

/// Set from an RPC `session-close`, read by the daemon's loop.
final class StopRequest: @unchecked Sendable {
    private let lock = NSLock()
    private var requested = false

    func request() { lock.withLock { requested = true } }

    var isRequested: Bool { lock.withLock { requested } }
}
