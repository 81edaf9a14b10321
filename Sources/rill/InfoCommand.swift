import ArgumentParser
import Foundation
import TorrentCore

/// `rill info`: what a torrent file or magnet link says, for people or (with `--json`) for scripts.
struct InfoCommand: RillCommand {
    static let configuration = CommandConfiguration(
        commandName: "info",
        abstract: "Show what a .torrent file or magnet link contains.",
        discussion: """
            Prints the name, info-hash, total size, piece size and count, the files with their \
            sizes, the trackers by tier, whether the torrent is private, and its magnet link. \
            For a magnet link only what the link itself carries is known.
            """
    )

    @Argument(help: "A .torrent file or a magnet link (quote it: 'magnet:?xt=...').")
    var source: String

    @Flag(help: "Print machine-readable JSON instead of text.")
    var json = false

    func execute() throws {
        if source.lowercased().hasPrefix("magnet:") {
            let link = try MagnetLink(parsing: source)
            try emit(TorrentSummary(magnet: link))
        } else {
            let bytes = try readFileBytes(source, what: "torrent file")
            let meta: Metainfo
            do {
                meta = try Metainfo(bytes: bytes)
            } catch {
                throw CLIError("'\(source)' is not a valid torrent: \(error)")
            }
            for warning in meta.warnings { Console.printError("rill: warning: \(warning)") }
            try emit(TorrentSummary(meta))
        }
    }

    private func emit(_ summary: TorrentSummary) throws {
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            let data = try encoder.encode(summary)
            print(String(decoding: data, as: UTF8.self))
        } else {
            print(summary.text)
        }
    }
}

/// The facts `rill info` prints, in one shape for text and JSON.
struct TorrentSummary: Encodable {
    struct File: Encodable {
        let path: String
        let length: Int
        let padding: Bool
    }

    var name: String?
    var infoHash: String
    /// BEP 52: the SHA-256 info-hash of a v2 or hybrid torrent, and which versions it is.
    var infoHashV2: String?
    var version: String?
    /// False for a v2-only torrent or link, whose `info_hash` is only the truncated v2 hash.
    var hasV1Hash = true
    var totalSize: Int?
    var pieceLength: Int?
    var pieceCount: Int?
    var files: [File]?
    var trackers: [[String]]
    var webSeeds: [String]
    var peers: [String]?
    var isPrivate: Bool?
    var comment: String?
    var createdBy: String?
    var creationDate: Int64?
    var magnet: String
    var warnings: [String]

    enum CodingKeys: String, CodingKey {
        case name, infoHash = "info_hash", infoHashV2 = "info_hash_v2", version, totalSize = "total_size", pieceLength = "piece_length"
        case pieceCount = "piece_count", files, trackers, webSeeds = "web_seeds", peers
        case isPrivate = "private", comment, createdBy = "created_by", creationDate = "creation_date"
        case magnet, warnings
    }

    init(_ meta: Metainfo) {
        name = meta.name
        infoHash = meta.infoHash.hex
        infoHashV2 = meta.info.infoHashV2?.hex
        version = meta.info.version.rawValue
        hasV1Hash = meta.info.version != .v2
        totalSize = meta.info.totalLength
        pieceLength = meta.info.pieceLength
        pieceCount = meta.info.pieceCount
        files = meta.info.files.map { File(path: $0.displayPath, length: $0.length, padding: $0.isPadding) }
        trackers = meta.trackerTiers
        webSeeds = meta.webSeeds
        isPrivate = meta.info.isPrivate
        comment = meta.comment
        createdBy = meta.createdBy
        creationDate = meta.creationDate
        magnet = meta.magnetLink.description
        warnings = meta.warnings
    }

    init(magnet link: MagnetLink) {
        name = link.displayName
        infoHash = link.infoHash.hex
        infoHashV2 = link.infoHashV2?.hex
        hasV1Hash = !link.isV2Only
        trackers = link.trackers.map { [$0] }
        webSeeds = link.webSeeds
        peers = link.peers.map(\.description)
        magnet = link.description
        warnings = []
    }

    var text: String {
        var lines: [String] = []
        func row(_ label: String, _ value: String) {
            lines.append(label.padding(toLength: 12, withPad: " ", startingAt: 0) + value)
        }
        row("Name:", name ?? "(unknown until the metadata is fetched)")
        if hasV1Hash { row("Info-hash:", infoHash) }
        if let infoHashV2 { row("v2 hash:", infoHashV2) }
        if let version, version != MetaVersion.v1.rawValue {
            row("Version:", version == MetaVersion.v2.rawValue ? "BitTorrent v2 only" : "hybrid v1 + v2")
        }
        if let totalSize { row("Size:", "\(ByteCount.format(totalSize)) (\(Format.grouped(totalSize)) bytes)") }
        if let pieceCount, let pieceLength {
            row("Pieces:", "\(Format.grouped(pieceCount)) × \(ByteCount.format(pieceLength))")
        }
        if let isPrivate { row("Private:", isPrivate ? "yes (peers from trackers only)" : "no") }
        if let creationDate {
            let date = Date(timeIntervalSince1970: TimeInterval(creationDate))
            let formatter = ISO8601DateFormatter()
            row("Created:", formatter.string(from: date) + (createdBy.map { " by \($0)" } ?? ""))
        } else if let createdBy {
            row("Created by:", createdBy)
        }
        if let comment, !comment.isEmpty { row("Comment:", comment) }
        if trackers.isEmpty {
            row("Trackers:", "none")
        } else {
            lines.append("Trackers:")
            for (index, tier) in trackers.enumerated() {
                lines.append("  tier \(index + 1): " + tier.joined(separator: ", "))
            }
        }
        if !webSeeds.isEmpty {
            lines.append("Web seeds:")
            lines += webSeeds.map { "  " + $0 }
        }
        if let peers, !peers.isEmpty {
            lines.append("Peers:")
            lines += peers.map { "  " + $0 }
        }
        if let files {
            let shown = files.filter { !$0.padding }
            lines.append("Files (\(shown.count)):")
            let width = shown.map { ByteCount.format($0.length).count }.max() ?? 0
            for file in shown {
                let size = ByteCount.format(file.length)
                lines.append("  " + String(repeating: " ", count: width - size.count) + size + "  " + file.path)
            }
        }
        row("Magnet:", magnet)
        return lines.joined(separator: "\n")
    }
}
