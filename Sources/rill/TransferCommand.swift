import ArgumentParser
import Dispatch
import Engine
import EngineAPI
import Foundation
import Logging
import TorrentCore

/// Options shared by `rill download` and `rill seed`.
struct TransferOptions: ParsableArguments {
    @Argument(help: "The .torrent file (or, for download, a 'magnet:?xt=urn:btih:…' link).",
              completion: .file(extensions: ["torrent"]))
    var torrent: String

    @Option(help: "Files to download, 1-based as 'rill info' lists them, like 1,3-4 (the others are skipped).")
    var select: String?

    @Option(help: "The folder that holds (or will hold) the torrent's data.")
    var dir: String

    @Option(help: "TCP port to accept peers on (0: any free port).")
    var port: Int = 6881

    @Option(help: "Address to accept peers on (0.0.0.0: all IPv4, '::': IPv6 and IPv4).")
    var listen: String = "0.0.0.0"

    @Option(name: .customLong("peer"), help: "A peer to connect to, as HOST:PORT or [IPv6]:PORT (repeatable).")
    var peers: [String] = []

    @Option(help: "Download rate limit in bytes per second, with an optional k/M suffix (500k, 2M).")
    var maxDown: String?

    @Option(help: "Upload rate limit in bytes per second, with an optional k/M suffix (500k, 2M).")
    var maxUp: String?

    @Option(help: "Message stream encryption: disabled, enabled (accept both, encrypt when a peer insists), preferred or required.")
    var encryption: EncryptionPolicy = .enabled

    @Flag(help: "Download pieces in order (for playing a file while it downloads).")
    var sequential = false

    @Flag(help: "Do not contact the torrent's trackers (use --peer addresses only).")
    var noTrackers = false

    @Flag(help: "Log connections and tracker replies to standard error.")
    var verbose = false

    // MARK: Peer discovery (DHT, LSD)
    @Flag(help: "Do not use the DHT (it is on by default, joining through public routers).")
    var noDht = false

    @Option(name: .customLong("dht-bootstrap"),
            help: "A DHT node to join through, as HOST:PORT (repeatable; replaces the public routers).")
    var dhtBootstrap: [String] = []

    @Option(help: "UDP port of the DHT node (default: the TCP --port; 0: any free port).")
    var dhtPort: Int?

    @Flag(help: "Do not announce or look for peers on the local network (LSD, BEP 14).")
    var noLsd = false

    @Flag(help: "Use TCP only: no uTP (BEP 29) connections either way.")
    var noUtp = false

    @Flag(help: "Write downloads through the page cache, not with O_DIRECT (see direct_io in config.toml).")
    var noDirectIo = false

    @Option(help: "Every connection through this SOCKS5 proxy, socks5://user:pass@host:port (default: the 'proxy' key of config.toml; \"\": none).")
    var proxy: String?

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be between 0 and 65535") }
        for (name, value) in [("--max-down", maxDown), ("--max-up", maxUp)] {
            if let value, (ByteCount.parse(value) ?? 0) <= 0 {
                throw ValidationError("\(name) must be a positive number of bytes per second, like 500k or 2M")
            }
        }
        for peer in peers where PeerEndpoint(parsing: peer) == nil {
            throw ValidationError("--peer '\(peer)' is not HOST:PORT")
        }
        for node in dhtBootstrap where PeerEndpoint(parsing: node) == nil {
            throw ValidationError("--dht-bootstrap '\(node)' is not HOST:PORT")
        }
        if let dhtPort, !(0...65535).contains(dhtPort) {
            throw ValidationError("--dht-port must be between 0 and 65535")
        }
        if let proxy, !proxy.isEmpty {
            do {
                _ = try SOCKS5Proxy(url: proxy)
            } catch {
                throw ValidationError("--proxy: \(error)")
            }
        }
        if let select, FileSelection.parse(select) == nil {
            throw ValidationError("--select '\(select)' is not a list of file numbers like 1,3-4")
        }
    }

    /// True when the argument is a magnet link rather than a file.
    var isMagnet: Bool { torrent.lowercased().hasPrefix("magnet:") }

    func loadMagnet() throws -> MagnetLink {
        do {
            return try MagnetLink(parsing: torrent)
        } catch {
            throw CLIError("\(error)")
        }
    }

    /// `--select` as 0-based file indexes; nil when every file is wanted. With `fileCount`, names
    /// beyond the torrent's files are an error.
    func selectedFiles(fileCount: Int?) throws -> [Int]? {
        guard let select, let chosen = FileSelection.parse(select) else { return nil }
        if let fileCount, let bad = chosen.first(where: { $0 > fileCount }) {
            throw CLIError("--select names file \(bad), but the torrent has \(fileCount) files")
        }
        return chosen.map { $0 - 1 }
    }

    /// The torrent file's bytes and what they say.
    func loadTorrent() throws -> (bytes: [UInt8], metainfo: Metainfo) {
        let bytes = try readFileBytes(torrent, what: "torrent file")
        do {
            return (bytes, try Metainfo(bytes: bytes))
        } catch {
            throw CLIError("'\(torrent)' is not a valid torrent: \(error)")
        }
    }

    func sessionConfiguration() -> SessionConfiguration {
        let settings = ConfigFile(path: RillPaths.configFile).settings
        var configuration = SessionConfiguration()
        // Limits come from config.toml, as they do for the full-screen client and the daemon.
        configuration.maxConnections = settings.maxConnections
        configuration.maxConnectionsPerTorrent = settings.maxConnectionsPerTorrent
        configuration.maxConnectionsPerIP = settings.maxConnectionsPerIP
        configuration.maxPieceBufferBytes = settings.pieceBufferMiB << 20
        configuration.uploadSlots = settings.uploadSlots
        configuration.listenHost = listen
        configuration.listenPort = port
        configuration.useTrackers = !noTrackers
        configuration.resumeFolder = RillPaths.resumeFolder
        configuration.downloadRateLimit = maxDown.flatMap(ByteCount.parse)
        configuration.uploadRateLimit = maxUp.flatMap(ByteCount.parse)
        configuration.encryption = encryption
        // The command line joins the DHT and LSD unless told not to (the library default is off).
        configuration.dht.enabled = !noDht
        configuration.dht.bootstrapNodes = dhtBootstrap.isEmpty ? DHTSettings.publicRouters : dhtBootstrap
        configuration.dht.port = dhtPort
        configuration.dht.stateFile = RillPaths.dhtStateFile
        configuration.localDiscovery = !noLsd
        configuration.useUTP = !noUtp
        configuration.proxy = chosenProxy
        if noDirectIo || !settings.directIO {
            configuration.makeStorage = SessionConfiguration.fileStorage(directWrites: false)
        }
        return configuration
    }

    /// `--proxy` when given (checked by `validate`), else the config file's `proxy` key.
    private var chosenProxy: SOCKS5Proxy? {
        guard let proxy else { return ConfigFile(path: RillPaths.configFile).settings.proxy }
        return proxy.isEmpty ? nil : try? SOCKS5Proxy(url: proxy)
    }

    func makeLogger() -> Logger {
        let level: Logger.Level = verbose ? .debug : .warning
        var logger = Logger(label: "rill") { label in StreamLogHandler.standardError(label: label) }
        logger.logLevel = level
        return logger
    }
}

/// Runs one torrent in a session until it is done (or forever when seeding), printing progress,
/// and stops cleanly on SIGINT or SIGTERM. It owns the session, but drives it only through the
/// `TorrentEngine` facade, like every other front end.
struct TransferRunner {
    let options: TransferOptions
    let keepSeeding: Bool
    let verb: String

    func run() async throws {
        let magnet = options.isMagnet ? try options.loadMagnet() : nil
        let loaded = magnet == nil ? try options.loadTorrent() : nil
        for warning in loaded?.metainfo.warnings ?? [] { Console.printError("rill: warning: \(warning)") }
        let selected = try options.selectedFiles(fileCount: loaded?.metainfo.info.files.count)
        var isFolder: ObjCBool = false
        if !FileManager.default.fileExists(atPath: options.dir, isDirectory: &isFolder) {
            do {
                try FileManager.default.createDirectory(atPath: options.dir, withIntermediateDirectories: true)
            } catch {
                throw CLIError("cannot create the download folder '\(options.dir)': \(error.localizedDescription)")
            }
        } else if !isFolder.boolValue {
            throw CLIError("'\(options.dir)' is a file, not a folder")
        }

        let engine: any TorrentEngine = try await Session(configuration: options.sessionConfiguration(),
                                                          logger: options.makeLogger())
        let id = loaded.map { TorrentID($0.metainfo.info) } ?? TorrentID(magnet!)
        let name = loaded?.metainfo.name ?? magnet?.displayName ?? id.hex
        let add = AddOptions(selectedFiles: selected, seedWhenComplete: keepSeeding, sequential: options.sequential,
                             peers: options.peers)
        engine.perform(.add(loaded.map { .torrentData($0.bytes) } ?? .magnet(options.torrent),
                            directory: options.dir, options: add))
        let port = engine.snapshot(detail: nil).listenPort
        Console.printError("rill: \(verb) \(name) (\(id.hex)), listening on port \(port)")
        let monitor = TransferMonitor(engine: engine, id: id, name: name,
                                      keepSeeding: keepSeeding, signals: SignalWatcher())
        let outcome: TransferMonitor.Outcome
        do {
            outcome = try await monitor.run()
        } catch {
            await engine.close()
            throw error
        }
        if outcome == .interrupted { Console.printError("rill: stopping; resume data is saved") }
        await engine.close()
        if outcome == .interrupted && !keepSeeding { throw ExitCode(130) }
    }
}

/// Follows one torrent through an engine's snapshots and events until it is complete (or, when
/// seeding, until a signal), printing what a user wants to see on standard error.
struct TransferMonitor {
    enum Outcome: Equatable { case complete, interrupted }

    let engine: any TorrentEngine
    let id: TorrentID
    let name: String
    let keepSeeding: Bool
    let signals: SignalWatcher

    func run() async throws -> Outcome {
        let started = ContinuousClock.now
        let display = StatusDisplay()
        var announcedComplete = false
        var announcedFirstData = false
        var fetchStarted: ContinuousClock.Instant?
        var checkStarted: ContinuousClock.Instant?
        var lastFetchLine = ""
        var lastFetchPrint = ContinuousClock.now - .seconds(60)
        var shownName = name
        while true {
            for event in engine.drainEvents() {
                switch event {
                case .commandFailed(let about, let reason) where about == nil || about == id:
                    display.finish()
                    throw CLIError("cannot start '\(shownName)': \(reason)")
                case .failed(let about, let reason) where about == id:
                    display.finish()
                    throw CLIError("\(shownName): \(reason)")
                default:
                    break
                }
            }
            if signals.received {
                display.finish()
                if fetchStarted != nil { Console.printError("rill: stopping before the metadata arrived") }
                return .interrupted
            }
            guard let row = engine.snapshot(detail: nil).torrents.first(where: { $0.id == id }) else {
                try await Task.sleep(for: .milliseconds(100))
                continue
            }
            switch row.phase {
            case .checking:
                // Resume data answers at once; a line is worth it only when the data is hashed.
                if checkStarted == nil { checkStarted = ContinuousClock.now }
                if let since = checkStarted, Self.seconds(since) >= 1 { display.show(row) }
                try await Task.sleep(for: .milliseconds(100))
                continue
            case .failed(let reason):
                display.finish()
                throw CLIError("\(shownName): \(reason)")
            case .fetchingMetadata:
                if fetchStarted == nil { fetchStarted = ContinuousClock.now }
                let line = "fetching metadata from \(row.peers) peers (\(row.peersKnown) more known)"
                if line != lastFetchLine || ContinuousClock.now - lastFetchPrint >= .seconds(10) {
                    Console.printError("rill: " + line)
                    lastFetchLine = line
                    lastFetchPrint = ContinuousClock.now
                }
                try await Task.sleep(for: .milliseconds(100))
                continue
            default:
                break
            }
            if let since = fetchStarted {
                fetchStarted = nil
                shownName = row.name
                Console.printError("rill: received the metadata of \(row.name) (\(row.fileCount) files, "
                    + "\(ByteCount.format(row.totalSize))) in \(Format.fixed(Self.seconds(since), 1)) s")
            }
            if row.sessionDownloaded > 0 && !announcedFirstData {
                announcedFirstData = true
                display.finish()
                Console.printError("rill: first payload byte after \(Format.fixed(Self.seconds(started), 2)) s")
            }
            if row.isComplete && !announcedComplete {
                announcedComplete = true
                display.show(row, force: true)
                display.finish()
                Console.printError("rill: \(row.name) is complete: \(ByteCount.format(row.wantedSize)) verified, "
                    + "\(Format.grouped(row.sessionDownloaded)) bytes downloaded this run")
                if !keepSeeding { return .complete }
            }
            display.show(row)
            // Often enough that the exit follows the last piece closely (the engine publishes at
            // once on completion); a snapshot read costs a lock and a copy of one row.
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    private static func seconds(_ since: ContinuousClock.Instant) -> Double {
        let elapsed = (ContinuousClock.now - since).components
        return Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18
    }
}

/// Parses `--select` lists: `1,3-4` → [1, 3, 4] (1-based, bounded).
enum FileSelection {
    static func parse(_ text: String) -> [Int]? {
        var out: Set<Int> = []
        for item in text.split(separator: ",", omittingEmptySubsequences: false) {
            let bounds = item.split(separator: "-", omittingEmptySubsequences: false)
            guard bounds.count <= 2, let low = Int(bounds[0].trimmingCharacters(in: .whitespaces)), low >= 1,
                  let high = bounds.count == 2 ? Int(bounds[1].trimmingCharacters(in: .whitespaces)) : low,
                  high >= low, high - low < 100_000, out.count < 100_000
            else { return nil }
            out.formUnion(low...high)
        }
        return out.isEmpty ? nil : out.sorted()
    }
}

/// `rill download`: fetches a torrent, verifies it, and exits when every piece is good.
struct DownloadCommand: AsyncRillCommand {
    static let configuration = CommandConfiguration(
        commandName: "download",
        abstract: "Download a torrent, then exit (or keep seeding with --seed).",
        discussion: """
            TORRENT is a .torrent file or a magnet link; for a magnet link the metadata is first \
            fetched from its x.pe peers and any --peer addresses (and saved, so a restart does not \
            fetch it again). Finds peers through the torrent's trackers and any --peer addresses, downloads every \
            piece, checks each against its hash, and exits 0 once all are verified. Data already \
            in DIR is checked first (or trusted from resume data), so an interrupted download \
            continues where it stopped. Ctrl-C stops cleanly and keeps what was verified.
            """
    )

    @OptionGroup var transfer: TransferOptions

    @Flag(help: "Keep seeding after the download completes, until Ctrl-C or SIGTERM.")
    var seed = false

    func execute() async throws {
        try await TransferRunner(options: transfer, keepSeeding: seed, verb: "downloading").run()
    }
}

/// `rill seed`: shares data that is already on disk.
struct SeedCommand: AsyncRillCommand {
    static let configuration = CommandConfiguration(
        commandName: "seed",
        abstract: "Share a torrent whose data is already on disk, until Ctrl-C or SIGTERM.",
        discussion: """
            Checks the data in DIR against the torrent (or trusts valid resume data), then \
            uploads to peers from the trackers and any --peer addresses. Missing pieces are \
            downloaded first when peers have them.
            """
    )

    @OptionGroup var transfer: TransferOptions

    func execute() async throws {
        if transfer.isMagnet {
            throw CLIError("rill seed needs a .torrent file; use 'rill download --seed' for a magnet link")
        }
        try await TransferRunner(options: transfer, keepSeeding: true, verb: "seeding").run()
    }
}

/// Notices SIGINT and SIGTERM so the command can stop cleanly instead of dying.
final class SignalWatcher: @unchecked Sendable {
    private var sources: [DispatchSourceSignal] = []
    private let lock = SpinLock()
    private var flag = false

    init() {
        for signalNumber in [SIGINT, SIGTERM] {
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            source.setEventHandler { [self] in lock.withLock { flag = true } }
            source.resume()
            sources.append(source)
        }
    }

    var received: Bool { lock.withLock { flag } }
}

/// Progress for a transfer: one rewritten line on a terminal, a plain line every few seconds otherwise.
final class StatusDisplay {
    private let isTerminal = Console.standardErrorIsTerminal
    private var lastPlain = ContinuousClock.now - .seconds(60)
    private var lastDraw = ContinuousClock.now - .seconds(60)

    func show(_ stats: TorrentSnapshot, force: Bool = false) {
        let now = ContinuousClock.now
        if isTerminal {
            guard force || now - lastDraw >= .milliseconds(500) else { return }
            lastDraw = now
            Console.writeStandardError("\r\u{1B}[2K" + Self.describe(stats))
        } else {
            guard force || now - lastPlain >= .seconds(5) else { return }
            lastPlain = now
            Console.writeStandardError(Self.describe(stats) + "\n")
        }
    }

    func finish() {
        if isTerminal { Console.writeStandardError("\r\u{1B}[2K") }
    }

    static func describe(_ stats: TorrentSnapshot) -> String {
        if case .checking(let progress) = stats.phase { return "checking \(Format.fixed(progress * 100, 1))%" }
        var parts = [
            "\(Format.fixed(stats.progress * 100, 1))%",
            "↓ \(ByteCount.format(Int(stats.downloadRate)))/s",
            "↑ \(ByteCount.format(Int(stats.uploadRate)))/s",
            "peers \(stats.peers) (\(stats.seeds) seeds)",
        ]
        if stats.webSeeds > 0 { parts.append("web seeds \(stats.webSeeds)") }
        if let eta = stats.eta { parts.append("ETA \(Self.duration(eta))") }
        if stats.isComplete { parts.append("seeding, \(ByteCount.format(stats.sessionUploaded)) sent") }
        if stats.hashFailures > 0 { parts.append("\(stats.hashFailures) bad pieces refetched") }
        if let message = stats.trackerMessage { parts.append(message) }
        return parts.joined(separator: "  ")
    }

    static func duration(_ seconds: Double) -> String {
        let total = Int(seconds.rounded())
        if total >= 3600 { return "\(total / 3600)h\(String(format: "%02d", total % 3600 / 60))m" }
        return "\(total / 60):\(String(format: "%02d", total % 60))"
    }
}

extension EncryptionPolicy: ExpressibleByArgument {}
