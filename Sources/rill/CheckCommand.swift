import ArgumentParser
import Engine
import EngineAPI
import Foundation
import Logging
import TorrentCore

/// `rill check`: verifies data on disk against a torrent's piece hashes. Like every front end it
/// drives an engine only through the `TorrentEngine` facade: it adds the torrent paused to a
/// session that neither listens for nor dials peers and opens the files read-only, waits for the
/// check, and reads the result from the torrent's detail.
struct CheckCommand: AsyncRillCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Verify downloaded data against a torrent.",
        discussion: """
            Hashes every piece of the torrent's files below DIR on all cores and reports how \
            many are good. Exit status: 0 when every piece is good, 2 when pieces are missing \
            or damaged, 1 on an error (such as an unreadable torrent). It creates and changes \
            no file below DIR.

            The result is saved as resume data (in $RILL_HOME/resume, default \
            ~/.local/share/rill/resume) so a later start need not hash again; --use-resume \
            trusts that data while the files' sizes and modification times are unchanged. \
            After a download was killed, it trusts the pieces the download had flushed to disk \
            as long as the files changed only the way the download itself changed them.
            """
    )

    @Argument(help: "The .torrent file.", completion: .file(extensions: ["torrent"]))
    var torrent: String

    @Option(help: "The folder the torrent was downloaded into (it holds the torrent's file or folder).")
    var dir: String

    @Flag(help: "Print machine-readable JSON instead of text.")
    var json = false

    @Flag(help: "Trust saved resume data when the files are unchanged (or changed only by rill's own writes), instead of hashing.")
    var useResume = false

    @Flag(help: "Neither read nor write resume data.")
    var noResume = false

    @Option(help: "Hashing threads (default: one per core).")
    var threads: Int?

    func validate() throws {
        if useResume && noResume { throw ValidationError("--use-resume and --no-resume contradict each other") }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
    }

    /// An engine for checking only: no listening beyond an unused loopback port, no trackers,
    /// DHT, LSD or uTP, files opened read-only.
    func sessionConfiguration() -> SessionConfiguration {
        var configuration = SessionConfiguration()
        configuration.listenHost = "127.0.0.1"
        configuration.listenPort = 0
        configuration.useTrackers = false
        configuration.dht.enabled = false
        configuration.localDiscovery = false
        configuration.useUTP = false
        configuration.resumeFolder = noResume ? nil : RillPaths.resumeFolder
        configuration.makeStorage = SessionConfiguration.readOnlyFileStorage
        if let threads { configuration.checkThreads = threads }
        return configuration
    }

    func execute() async throws {
        let bytes = try readFileBytes(torrent, what: "torrent file")
        let meta: Metainfo
        do {
            meta = try Metainfo(bytes: bytes)
        } catch {
            throw CLIError("'\(torrent)' is not a valid torrent: \(error)")
        }
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: dir, isDirectory: &isFolder), isFolder.boolValue else {
            throw CLIError("the download folder '\(dir)' does not exist")
        }
        var logger = Logger(label: "rill") { label in StreamLogHandler.standardError(label: label) }
        logger.logLevel = .error
        let engine: any TorrentEngine = try await Session(configuration: sessionConfiguration(), logger: logger)
        let id = TorrentID(meta.info)
        // A plain check always hashes (and refreshes the resume data afterwards).
        var options = AddOptions(seedWhenComplete: false, startPaused: true)
        options.trustResumeData = useResume
        engine.perform(.add(.torrentData(bytes), directory: dir, options: options))
        let detail: TorrentDetail
        do {
            detail = try await waitForTheCheck(of: id, in: engine)
        } catch {
            await engine.close()
            throw error
        }
        await engine.close()
        guard let check = detail.dataCheck else { throw CLIError("the engine did not report the check") }

        let report = CheckReport(info: meta.info, check: check, pieces: detail.pieces)
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
        } else {
            print(report.text(name: meta.name))
        }
        if report.valid != report.total { throw RillExit.incomplete }
    }

    /// Follows the torrent's row until its check is over, with a progress line on a terminal and
    /// the engine's warnings on standard error; returns the torrent's detail afterwards.
    private func waitForTheCheck(of id: TorrentID, in engine: any TorrentEngine) async throws -> TorrentDetail {
        let progress = ProgressLine("checking")
        let signals = SignalWatcher()
        defer { progress.finish() }
        while true {
            for event in engine.drainEvents() {
                switch event {
                case .commandFailed(let about, let reason) where about == nil || about == id:
                    throw CLIError(reason)
                case .failed(let about, let reason) where about == id:
                    throw CLIError(reason)
                case .notice(let about, let text) where about == id:
                    progress.finish()
                    Console.printError("rill: warning: \(text)")
                default:
                    break
                }
            }
            if signals.received { throw ExitCode(130) }
            if let row = engine.torrent(id) {
                if case .checking(let fraction) = row.phase {
                    progress.update(done: Int(fraction * Double(row.pieceCount)), total: row.pieceCount)
                } else if let detail = await engine.details(for: [id]).first, detail.dataCheck != nil {
                    progress.update(done: row.pieceCount, total: row.pieceCount)
                    // Warnings recorded with the result (resume data not saved) come with it.
                    for case .notice(let about, let text) in engine.drainEvents() where about == id {
                        progress.finish()
                        Console.printError("rill: warning: \(text)")
                    }
                    return detail
                }
            }
            try await Task.sleep(for: .milliseconds(50))
        }
    }
}

/// What `rill check` found, for text and JSON output.
struct CheckReport: Encodable {
    struct FileState: Encodable {
        let path: String
        let validPieces: Int
        let pieces: Int
        enum CodingKeys: String, CodingKey { case path, validPieces = "valid_pieces", pieces }
    }

    let infoHash: String
    let valid: Int
    let total: Int
    let badPieces: [Int]
    let incompleteFiles: [FileState]
    let fromResume: Bool
    /// The resume data came from a run that did not stop cleanly (snapshot plus journal).
    let recovered: Bool

    enum CodingKeys: String, CodingKey {
        case infoHash = "info_hash", valid, total, badPieces = "bad_pieces"
        case incompleteFiles = "incomplete_files", fromResume = "from_resume", recovered
    }

    init(info: TorrentInfo, check: DataCheck, pieces: PieceMap) {
        let have = PieceMap.State.have.rawValue
        let good = { (piece: Int) in piece < pieces.states.count && pieces.states[piece] == have }
        infoHash = info.infoHash.hex
        valid = (0..<info.pieceCount).filter(good).count
        total = info.pieceCount
        badPieces = (0..<info.pieceCount).filter { !good($0) }
        fromResume = check.source != .hashed
        recovered = check.source == .recoveredResumeData
        incompleteFiles = info.files.indices.compactMap { index in
            let file = info.files[index]
            let pieces = info.layout.pieces(ofFile: index)
            guard !file.isPadding, !pieces.isEmpty else { return nil }
            let valid = pieces.filter(good).count
            return valid == pieces.count ? nil : FileState(path: file.displayPath, validPieces: valid, pieces: pieces.count)
        }
    }

    func text(name: String) -> String {
        let percent = total == 0 ? 100 : Double(valid) * 100 / Double(total)
        var lines = ["\(name): \(Format.grouped(valid)) of \(Format.grouped(total)) pieces good "
            + "(\(Format.fixed(percent, 1))%)" + (fromResume ? ", from resume data" : "")
            + (recovered ? " left by a download that did not stop cleanly" : "")]
        if badPieces.isEmpty {
            lines.append("Complete: every piece matches its hash.")
        } else {
            let shown = badPieces.prefix(20).map(String.init).joined(separator: ", ")
            lines.append("Missing or damaged pieces: \(shown)" + (badPieces.count > 20 ? ", … (\(badPieces.count) in all)" : ""))
            lines.append("Incomplete files:")
            for file in incompleteFiles.prefix(50) {
                lines.append("  \(file.validPieces)/\(file.pieces) pieces  \(file.path)")
            }
            if incompleteFiles.count > 50 { lines.append("  … and \(incompleteFiles.count - 50) more") }
        }
        return lines.joined(separator: "\n")
    }
}
