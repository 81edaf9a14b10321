import ArgumentParser
import Foundation
import Storage
import TorrentCore

/// `rill create`: makes a `.torrent` from a file or folder, hashing on every core.
struct CreateCommand: RillCommand {
    static let configuration = CommandConfiguration(
        commandName: "create",
        abstract: "Make a .torrent file from a file or a folder.",
        discussion: """
            A folder becomes a multi-file torrent named after the folder; a file becomes a \
            single-file torrent. Files are listed in a fixed order, so the same data always \
            gives the same torrent (with --no-date). Pieces are hashed on every core.

            Repeat --tracker to add backup trackers: each one becomes its own tier, tried in \
            order. Put several URLs in one --tracker, separated by commas, to make a tier whose \
            trackers are tried in random order (BEP 12).

            --v2 makes a BitTorrent v2 torrent (BEP 52: SHA-256 merkle trees, files aligned to \
            pieces) that only v2 clients read; --hybrid makes one that v1 and v2 clients both \
            read, joining both swarms. The default stays v1: older clients (Transmission 3, \
            aria2) cannot read v2 and write a hybrid's padding files to disk.
            """
    )

    @Argument(help: "The file or folder to share.", completion: .file())
    var path: String

    @Option(name: [.short, .customLong("output")], help: "Where to write the torrent (default: NAME.torrent here).")
    var output: String?

    @Option(name: .customLong("tracker"), help: "A tracker announce URL (repeatable).")
    var trackers: [String] = []

    @Option(name: .customLong("web-seed"), help: "A web seed URL (BEP 19, repeatable).")
    var webSeeds: [String] = []

    @Option(help: "Bytes per piece: a number with an optional k/M suffix (256k, 1M), or 'auto'.")
    var pieceSize: String = "auto"

    @Flag(help: "Mark the torrent private (BEP 27): peers come only from its trackers.")
    var `private` = false

    @Option(help: "A comment stored in the torrent.")
    var comment: String?

    @Flag(help: "Leave out the creation date, so the same data always gives the same file.")
    var noDate = false

    @Option(help: "Hashing threads (default: one per core).")
    var threads: Int?

    @Flag(name: .customLong("v2"), help: "Make a BitTorrent v2-only torrent (BEP 52).")
    var v2Only = false

    @Flag(help: "Make a hybrid v1 + v2 torrent (BEP 52) that both kinds of client read.")
    var hybrid = false

    func validate() throws {
        if pieceSize != "auto" {
            guard let bytes = ByteCount.parse(pieceSize) else {
                throw ValidationError("--piece-size must be a number of bytes (like 262144, 256k or 1M) or 'auto'")
            }
            guard bytes >= 16 * 1024, bytes <= 64 * 1024 * 1024 else {
                throw ValidationError("--piece-size must be between 16 KiB and 64 MiB")
            }
            if bytes & (bytes - 1) != 0 {
                throw ValidationError("--piece-size must be a power of two (16k, 32k, …, 16M)")
            }
        }
        for url in trackers.flatMap({ $0.split(separator: ",") }) + webSeeds.map({ Substring($0) }) {
            guard let scheme = url.split(separator: ":").first?.lowercased(),
                  ["http", "https", "udp", "wss"].contains(scheme), url.contains("://") else {
                throw ValidationError("'\(url)' is not a tracker or web seed URL (http://, https:// or udp://)")
            }
        }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
        if v2Only && hybrid { throw ValidationError("choose one of --v2 and --hybrid") }
    }

    func execute() throws {
        let source = URL(fileURLWithPath: path).standardizedFileURL
        let name = source.lastPathComponent
        let target = output ?? name + ".torrent"
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: target, isDirectory: &isFolder), isFolder.boolValue {
            throw CLIError("the output '\(target)' is a folder; give a file name with -o")
        }

        var options = TorrentCreator.Options()
        options.pieceLength = pieceSize == "auto" ? nil : ByteCount.parse(pieceSize)
        options.trackerTiers = trackers.map { $0.split(separator: ",").map(String.init) }
        options.webSeeds = webSeeds
        options.isPrivate = `private`
        options.comment = comment
        options.createdBy = "rill \(RillVersion.string)"
        options.creationDate = noDate ? nil : Int64(Date().timeIntervalSince1970)
        if let threads { options.threads = threads }
        options.version = v2Only ? .v2 : hybrid ? .hybrid : .v1

        let progress = ProgressLine("hashing")
        let started = ContinuousClock.now
        let bytes: [UInt8]
        do {
            bytes = try TorrentCreator.create(from: source.path, options: options) { done, total in
                progress.update(done: done, total: total)
            }
        } catch {
            progress.finish()
            throw CLIError(String(describing: error))
        }
        progress.finish()
        let meta = try Metainfo(bytes: bytes)
        try writeFileBytes(bytes, to: target)

        let seconds = (ContinuousClock.now - started).seconds
        let rate = ByteCount.format(Int(Double(meta.info.totalLength) / max(seconds, 0.001)))
        print("Created \(target)")
        print("  name       \(meta.name)")
        if meta.info.version != .v2 { print("  info-hash  \(meta.infoHash.hex)") }
        if let v2 = meta.info.infoHashV2 { print("  v2 hash    \(v2.hex)") }
        print("  size       \(ByteCount.format(meta.info.totalLength)) in \(meta.info.files.count) file(s)")
        print("  pieces     \(Format.grouped(meta.info.pieceCount)) × \(ByteCount.format(meta.info.pieceLength))")
        print("  hashed in  \(Format.fixed(seconds, 2)) s (\(rate)/s)")
        print("  magnet     \(meta.magnetLink)")
    }
}
