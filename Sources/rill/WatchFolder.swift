import EngineAPI
import Foundation

/// Adds the `.torrent` and `.magnet` files dropped into a folder, then renames each to
/// `NAME.added` or, when it cannot be added, `NAME.invalid` (the reason goes to the log).
/// A file is taken only once its size and modification time held still between two scans, so a
/// copy in progress is not read half-way.
final class WatchFolder {
    let folder: String
    private let engine: any TorrentEngine
    private let log: @Sendable (String) -> Void
    /// Size and modification time seen at the last scan, per file name.
    private var lastSeen: [String: (Int, Date)] = [:]

    init(folder: String, engine: any TorrentEngine, log: @escaping @Sendable (String) -> Void) {
        self.folder = folder
        self.engine = engine
        self.log = log
    }

    /// Looks once; adds what is ready. Returns the names it added or refused.
    @discardableResult
    func scan() async -> [String] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else {
            if lastSeen.isEmpty { log("watch folder \(folder) cannot be read") }
            return []
        }
        var handled: [String] = []
        var seen: [String: (Int, Date)] = [:]
        for name in names.sorted() {
            let lower = name.lowercased()
            guard lower.hasSuffix(".torrent") || lower.hasSuffix(".magnet") else { continue }
            let path = folder + "/" + name
            guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
                  (attributes[.type] as? FileAttributeType) == .typeRegular,
                  let size = (attributes[.size] as? NSNumber)?.intValue,
                  let modified = attributes[.modificationDate] as? Date else { continue }
            let now = (size, modified)
            defer { seen[name] = now }
            guard let before = lastSeen[name], before == now else { continue }
            seen[name] = nil
            await take(name, path: path, isMagnet: lower.hasSuffix(".magnet"))
            handled.append(name)
        }
        let taken = Set(handled)  // a folder of 10,000 new files: no search of the list per name
        lastSeen = seen.filter { !taken.contains($0.key) }
        return handled
    }

    private func take(_ name: String, path: String, isMagnet: Bool) async {
        let outcome: CommandOutcome
        if let data = FileManager.default.contents(atPath: path), data.count <= 32 << 20 {
            if isMagnet {
                let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
                outcome = await engine.submit(.add(.magnet(text)))
            } else {
                outcome = await engine.submit(.add(.torrentData(Array(data))))
            }
        } else {
            outcome = .failed("the file cannot be read (or is over 32 MiB)")
        }
        switch outcome {
        case .added(_, let torrent), .duplicate(_, let torrent):
            log("watch folder: added \(name) (\(torrent))")
            rename(path, to: path + ".added")
        case .failed(let reason):
            log("watch folder: \(name) is invalid: \(reason)")
            rename(path, to: path + ".invalid")
        case .done:
            rename(path, to: path + ".added")
        }
    }

    private func rename(_ path: String, to target: String) {
        try? FileManager.default.removeItem(atPath: target)
        do { try FileManager.default.moveItem(atPath: path, toPath: target) } catch {
            log("watch folder: cannot rename \(path): \(error)")
        }
    }
}
