import Foundation

/// The torrents of a session as they are remembered between runs: in queue order, each with
/// the choices the user made. Stored as `session.json` next to the resume data; the torrents
/// themselves are stored as `<info-hash>.torrent` beside it.
struct SavedSession: Codable, Equatable {
    var version = 1
    var torrents: [SavedTorrent] = []

    static let fileName = "session.json"

    static func load(from folder: String) throws -> SavedSession? {
        let url = URL(fileURLWithPath: folder).appendingPathComponent(fileName)
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        let data = try Data(contentsOf: url)
        do {
            return try JSONDecoder().decode(SavedSession.self, from: data)
        } catch {
            throw SavedSessionError.damaged(path: url.path)
        }
    }

    /// Writes the file atomically: a crash leaves the old list or the new one.
    func save(to folder: String) throws {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(self).write(to: URL(fileURLWithPath: folder).appendingPathComponent(Self.fileName),
                                       options: .atomic)
    }
}

/// One remembered torrent.
struct SavedTorrent: Codable, Equatable {
    var infoHash: String
    var downloadDirectory: String
    var paused: Bool
    var seedWhenComplete: Bool
    var ratioGoal: Double?
    /// `FilePriority` raw values, one per file of the torrent.
    var filePriorities: [Int]
    var downloaded: Int
    var uploaded: Int
    /// The magnet link of a torrent whose metadata had not arrived yet.
    var magnet: String?
    /// Downloads in piece order (absent in files written before it existed).
    var sequential: Bool? = nil
    /// Labels, and when it was added and completed (seconds since 1970); absent in older files.
    var labels: [String]? = nil
    var addedDate: Double? = nil
    var doneDate: Double? = nil
}

enum SavedSessionError: Error, CustomStringConvertible {
    case damaged(path: String)

    var description: String {
        switch self {
        case .damaged(let path): "the saved session '\(path)' is damaged; starting with no torrents"
        }
    }
}
