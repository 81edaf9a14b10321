import ArgumentParser
import Dispatch
import Engine
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
        if let select, FileSelection.parse(select) == nil {
            throw ValidationError("--select '\(select)' is not a list of file numbers like 1,3-4")
        }
    }

    /// True when the argument is a magnet link rather than a file.
    var isMagnet: Bool { torrent.lowercased().hasPrefix("magnet:") }

    func loadMagnet() throws -> MagnetLink {
        do {
            var link = try MagnetLink(parsing: torrent)
            if let select, let chosen = FileSelection.parse(select) { link.selectedFiles = chosen.map { $0 - 1 } }
            return link
        } catch {
            throw CLIError("\(error)")
        }
    }

    /// Priorities from `--select` for a torrent of `fileCount` files; nil when every file is wanted.
    func filePriorities(fileCount: Int) throws -> [FilePriority]? {
        guard let select, let chosen = FileSelection.parse(select) else { return nil }
        if let bad = chosen.first(where: { $0 > fileCount }) {
            throw CLIError("--select names file \(bad), but the torrent has \(fileCount) files")
        }
        return (1...max(1, fileCount)).prefix(fileCount).map { chosen.contains($0) ? .normal : .skip }
    }

    func loadTorrent() throws -> Metainfo {
        let bytes = try readFileBytes(torrent, what: "torrent file")
        do {
            return try Metainfo(bytes: bytes)
        } catch {
            throw CLIError("'\(torrent)' is not a valid torrent: \(error)")
        }
    }

    func sessionConfiguration() -> SessionConfiguration {
        var configuration = SessionConfiguration()
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
        return configuration
    }

    func makeLogger() -> Logger {
        let level: Logger.Level = verbose ? .debug : .warning
        var logger = Logger(label: "rill") { label in StreamLogHandler.standardError(label: label) }
        logger.logLevel = level
        return logger
    }
}

/// Runs one torrent in a session until it is done (or forever when seeding), printing progress,
/// and stops cleanly on SIGINT or SIGTERM.
struct TransferRunner {
    let options: TransferOptions
    let keepSeeding: Bool
    let verb: String

    func run() async throws {
        let started = ContinuousClock.now
        let magnet = options.isMagnet ? try options.loadMagnet() : nil
        let loaded = magnet == nil ? try options.loadTorrent() : nil
        for warning in loaded?.warnings ?? [] { Console.printError("rill: warning: \(warning)") }
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

        let session = try await Session(configuration: options.sessionConfiguration(), logger: options.makeLogger())
        let signals = SignalWatcher()
        let progress = ProgressLine("checking")
        var torrentOptions = TorrentOptions()
        torrentOptions.seedWhenComplete = keepSeeding
        let infoHash: InfoHash
        do {
            if let magnet {
                infoHash = try await session.add(magnet: magnet, downloadDirectory: options.dir, options: torrentOptions)
            } else if let loaded {
                torrentOptions.filePriorities = try options.filePriorities(fileCount: loaded.info.files.count)
                infoHash = try await session.add(loaded, downloadDirectory: options.dir, options: torrentOptions) {
                    done, total in progress.update(done: done, total: total)
                }
            } else {
                throw CLIError("nothing to download")
            }
        } catch {
            progress.finish()
            await session.shutdown()
            throw CLIError("cannot start '\(loaded?.name ?? options.torrent)': \(error)")
        }
        progress.finish()
        let peers = options.peers.compactMap(PeerEndpoint.init(parsing:))
        if !peers.isEmpty { session.addPeers(peers, to: infoHash) }
        let port = await session.listeningPort
        let shownName = loaded?.name ?? magnet?.displayName ?? infoHash.hex
        Console.printError("rill: \(verb) \(shownName) (\(infoHash.hex)), listening on port \(port)")
        let meta: Metainfo
        if let loaded {
            meta = loaded
        } else {
            guard let fetched = try await fetchMetadata(session, infoHash, signals: signals) else { return }
            meta = fetched
        }

        let display = StatusDisplay()
        var announcedComplete = false
        var announcedFirstData = false
        while true {
            guard let stats = await session.stats(for: infoHash) else { break }
            if stats.downloaded > 0 && !announcedFirstData {
                announcedFirstData = true
                let elapsed = (ContinuousClock.now - started).components
                display.finish()
                Console.printError("rill: first payload byte after "
                    + Format.fixed(Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18, 2) + " s")
            }
            if case .failed(let reason) = stats.phase {
                display.finish()
                await session.shutdown()
                throw CLIError("\(meta.name): \(reason)")
            }
            if stats.isComplete && !announcedComplete {
                announcedComplete = true
                display.show(stats, force: true)
                display.finish()
                Console.printError("rill: \(meta.name) is complete: \(ByteCount.format(meta.info.totalLength)) verified, "
                    + "\(Format.grouped(stats.downloaded)) bytes downloaded this run")
                if !keepSeeding { break }
            }
            display.show(stats)
            if signals.received {
                display.finish()
                Console.printError("rill: stopping; resume data is saved")
                await session.shutdown()
                if stats.isComplete || keepSeeding { return }
                throw ExitCode(130)
            }
            try await Task.sleep(for: .milliseconds(250))
        }
        await session.shutdown()
    }
}

extension TransferRunner {
    /// Waits for a magnet's metadata, printing how many peers are asked; nil when stopped by a signal.
    func fetchMetadata(_ session: Session, _ infoHash: InfoHash, signals: SignalWatcher) async throws -> Metainfo? {
        let started = ContinuousClock.now
        var lastLine = ""
        var lastPrint = ContinuousClock.now - .seconds(60)
        while true {
            if let meta = await session.metainfo(for: infoHash) {
                let elapsed = (ContinuousClock.now - started).components
                let seconds = Format.fixed(Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18, 1)
                Console.printError("rill: received the metadata of \(meta.name) "
                    + "(\(meta.info.files.count) files, \(ByteCount.format(meta.info.totalLength))) in \(seconds) s")
                return meta
            }
            guard let stats = await session.stats(for: infoHash) else { throw CLIError("the torrent was removed") }
            if case .failed(let reason) = stats.phase { throw CLIError(reason) }
            let line = "fetching metadata from \(stats.peersConnected) peers (\(stats.peersKnown) more known)"
            if line != lastLine || ContinuousClock.now - lastPrint >= .seconds(10) {
                Console.printError("rill: " + line)
                lastLine = line
                lastPrint = ContinuousClock.now
            }
            if signals.received {
                Console.printError("rill: stopping before the metadata arrived")
                await session.shutdown()
                throw ExitCode(130)
            }
            try await Task.sleep(for: .milliseconds(100))
        }
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

    func show(_ stats: TorrentStats, force: Bool = false) {
        let now = ContinuousClock.now
        let line = Self.describe(stats)
        if isTerminal {
            guard force || now - lastDraw >= .milliseconds(500) else { return }
            lastDraw = now
            Console.writeStandardError("\r\u{1B}[2K" + line)
        } else {
            guard force || now - lastPlain >= .seconds(5) else { return }
            lastPlain = now
            Console.writeStandardError(line + "\n")
        }
    }

    func finish() {
        if isTerminal { Console.writeStandardError("\r\u{1B}[2K") }
    }

    static func describe(_ stats: TorrentStats) -> String {
        var parts = [
            "\(Format.fixed(stats.progress * 100, 1))%",
            "↓ \(ByteCount.format(Int(stats.downloadRate)))/s",
            "↑ \(ByteCount.format(Int(stats.uploadRate)))/s",
            "peers \(stats.peersConnected) (\(stats.seedsConnected) seeds)",
        ]
        if let eta = stats.eta { parts.append("ETA \(Self.duration(eta))") }
        if stats.isComplete { parts.append("seeding, \(ByteCount.format(stats.uploaded)) sent") }
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
