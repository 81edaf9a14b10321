import ArgumentParser
import Foundation
import Storage
import TorrentCore

/// `rill check`: verifies data on disk against a torrent's piece hashes.
struct CheckCommand: RillCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Verify downloaded data against a torrent.",
        discussion: """
            Hashes every piece of the torrent's files below DIR on all cores and reports how \
            many are good. Exit status: 0 when every piece is good, 2 when pieces are missing \
            or damaged, 1 on an error (such as an unreadable torrent).

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

    func execute() throws {
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
        let info = meta.info
        let store = noResume ? nil : ResumeStore(folder: RillPaths.resumeFolder)
        if let store, !useResume {
            // A plain check always hashes; it still refreshes the resume data afterwards.
            try? store.remove(for: info.infoHash)
        }

        let progress = ProgressLine("checking")
        let result: DataChecker.Result
        do {
            result = try DataChecker.check(info: info, root: dir, resume: store,
                                           threads: threads ?? PieceHasher.defaultThreads) { done, total in
                progress.update(done: done, total: total)
            }
        } catch {
            progress.finish()
            throw CLIError(String(describing: error))
        }
        progress.finish()
        if let error = result.resumeSaveError {
            Console.printError("rill: warning: could not save resume data: \(error)")
        }

        let report = CheckReport(info: info, result: result)
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
        } else {
            print(report.text(name: meta.name))
        }
        if report.valid != report.total { throw RillExit.incomplete }
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

    init(info: TorrentInfo, result: DataChecker.Result) {
        let verified = result.verified
        infoHash = info.infoHash.hex
        valid = verified.setCount
        total = info.pieceCount
        badPieces = (0..<info.pieceCount).filter { !verified[$0] }
        fromResume = result.fromResume
        recovered = result.recovered
        incompleteFiles = info.files.indices.compactMap { index in
            let file = info.files[index]
            let pieces = info.layout.pieces(ofFile: index)
            guard !file.isPadding, !pieces.isEmpty else { return nil }
            let good = pieces.filter { verified[$0] }.count
            return good == pieces.count ? nil : FileState(path: file.displayPath, validPieces: good, pieces: pieces.count)
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
