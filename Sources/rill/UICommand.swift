import ArgumentParser
import Engine
import EngineAPI
import Foundation
import Logging
import RemoteEngine
import TorrentCore

/// `rill` with no command: the full-screen client on the saved session.
struct UICommand: AsyncRillCommand {
    static let configuration = CommandConfiguration(
        commandName: "ui",
        abstract: "Open the full-screen client (the default command).",
        discussion: """
            Opens the torrents of the saved session (kept in the XDG data folder, or $RILL_HOME) \
            plus any .torrent files or magnet links named here. Settings come from config.toml \
            (see 'rill config'); logs go to a file, never to the screen. When a 'rill daemon' runs \
            for the same session, rill attaches to it instead; --connect attaches to any \
            Transmission-RPC server. An attached client only detaches when you quit: the daemon \
            keeps transferring.
            """
    )

    @Argument(help: "Torrent files or magnet links to add.", completion: .file(extensions: ["torrent"]))
    var torrents: [String] = []

    @Option(help: "Folder to download into (default: download_dir of the configuration).")
    var dir: String?

    @Option(help: "Theme name (a file in Themes/) or path to a theme file.")
    var theme: String?

    @Option(help: ArgumentHelp("Attach to the Transmission-RPC server at URL (rill daemon, transmission-daemon).",
                               valueName: "URL"))
    var connect: String?

    @Flag(help: "Use TCP only: no uTP (BEP 29) connections either way (overrides utp in the configuration).")
    var noUtp = false

    func execute() async throws {
        try FrontEnd.requireTerminal()
        let config = ConfigFile(path: RillPaths.configFile)
        var settings = config.settings
        if let dir { settings.downloadDirectory = dir }
        if let theme { settings.theme = theme }
        if noUtp { settings.utpEnabled = false }
        let log = FrontEnd.fileLogger()
        for problem in config.problems { log.warning("\(problem)") }

        if let remote = try await attachedEngine(settings: settings, log: log) {
            try await run(remote, theme: settings.theme, notes: config.problems, log: log)
            return
        }
        try? FileManager.default.createDirectory(atPath: settings.downloadDirectory, withIntermediateDirectories: true)
        var configuration = SessionConfiguration(settings: settings)
        configuration.resumeFolder = RillPaths.resumeFolder
        configuration.persistTorrents = true
        // The saved torrents are back (in their queue places) before the first command below.
        configuration.restoreSavedTorrentsOnStart = true
        let engine: any TorrentEngine
        do {
            engine = try await Session(configuration: configuration, logger: log)
        } catch {
            throw CLIError("\(error)")
        }
        try await run(engine, theme: settings.theme, notes: config.problems, log: log)
    }

    /// Adds the torrents named on the command line, runs the interface, and closes the engine
    /// (which, for an attached one, only detaches).
    private func run(_ engine: any TorrentEngine, theme: String, notes: [String], log: Logger) async throws {
        for argument in torrents {
            let source: AddSource = argument.hasPrefix("magnet:") ? .magnet(argument)
                : .torrentFile(path: URL(fileURLWithPath: argument).path)
            engine.perform(.add(source, directory: dir, options: AddOptions(pauseForFileChoice: true)))
        }
        do {
            try await FrontEnd.run(engine: engine, theme: theme, notes: notes, log: log)
        } catch {
            await engine.close()
            throw error
        }
        await engine.close()
    }

    /// The server to attach to: `--connect URL`, or the daemon announced for this session when its
    /// process lives (one that does not answer is an error, not a reason to open the session twice);
    /// nil to run an engine of our own.
    private func attachedEngine(settings: RillSettings, log: Logger) async throws -> RemoteEngine? {
        if let connect {
            do {
                return try await RemoteEngine.connect(to: connect)
            } catch {
                throw CLIError("cannot attach to \(connect): \(error)")
            }
        }
        guard let announcement = DaemonAnnouncement.read(from: RillPaths.dataHome) else { return nil }
        do {
            let engine = try await RemoteEngine.connect(to: announcement.url(with: settings))
            log.info("attached to the daemon at \(announcement.url) (pid \(announcement.pid))")
            return engine
        } catch {
            // Its process lives: a second engine on the same session would fight it over the files.
            throw CLIError("a rill daemon (pid \(announcement.pid)) runs for this session but \(error); "
                + "stop it, or attach with --connect URL")
        }
    }
}

extension SessionConfiguration {
    /// The engine's settings from the user's configuration.
    init(settings: RillSettings) {
        self.init()
        listenHost = settings.listenHost
        listenPort = settings.listenPort
        downloadDirectory = settings.downloadDirectory
        downloadRateLimit = settings.downloadLimit
        uploadRateLimit = settings.uploadLimit
        maxActiveDownloads = settings.maxActiveDownloads
        maxActiveSeeds = settings.maxActiveSeeds
        maxConnections = settings.maxConnections
        maxConnectionsPerTorrent = settings.maxConnectionsPerTorrent
        maxConnectionsPerIP = settings.maxConnectionsPerIP
        maxPieceBufferBytes = settings.pieceBufferMiB << 20
        uploadSlots = settings.uploadSlots
        encryption = settings.encryption
        dht.enabled = settings.dhtEnabled
        dht.port = settings.dhtPort
        dht.bootstrapNodes = settings.dhtBootstrap
        dht.stateFile = RillPaths.dhtStateFile
        localDiscovery = settings.localDiscovery
        useUTP = settings.utpEnabled
        proxy = settings.proxy
        if !settings.directIO { makeStorage = SessionConfiguration.fileStorage(directWrites: false) }
    }
}

extension DaemonAnnouncement {
    /// The announced URL with the RPC credentials of the configuration (never written to daemon.json).
    func url(with settings: RillSettings) -> String {
        guard let username = settings.rpcUsername, var components = URLComponents(string: url) else { return url }
        components.user = username
        components.password = settings.rpcPassword
        return components.string ?? url
    }
}
