import ArgumentParser
import Engine
import EngineAPI
import Foundation
import Logging
import TorrentCore

/// `rill` with no command: the full-screen client on the saved session.
struct UICommand: AsyncRillCommand {
    static let configuration = CommandConfiguration(
        commandName: "ui",
        abstract: "Open the full-screen client (the default command).",
        discussion: """
            Opens the torrents of the saved session (kept in the XDG data folder, or $RILL_HOME) \
            plus any .torrent files or magnet links named here. Settings come from config.toml \
            (see 'rill config'); logs go to a file, never to the screen.
            """
    )

    @Argument(help: "Torrent files or magnet links to add.", completion: .file(extensions: ["torrent"]))
    var torrents: [String] = []

    @Option(help: "Folder to download into (default: download_dir of the configuration).")
    var dir: String?

    @Option(help: "Theme name (a file in Themes/) or path to a theme file.")
    var theme: String?

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
        for argument in torrents {
            let source: AddSource = argument.hasPrefix("magnet:") ? .magnet(argument)
                : .torrentFile(path: URL(fileURLWithPath: argument).path)
            engine.perform(.add(source, directory: dir, options: AddOptions(pauseForFileChoice: true)))
        }
        do {
            try await FrontEnd.run(engine: engine, theme: settings.theme, notes: config.problems, log: log)
        } catch {
            await engine.close()
            throw error
        }
        await engine.close()
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
    }
}
