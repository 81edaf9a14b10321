import EngineAPI
import Foundation

extension RPCService {
    func torrentGet(_ arguments: RPCArguments) async throws -> [String: Any] {
        guard let requested = try arguments.strings("fields"), !requested.isEmpty else {
            throw RPCError.argument("torrent-get needs a 'fields' list")
        }
        // Fields arrive in either dialect; they are answered under the name they were asked by
        // (the JSON-RPC answer is re-spelled as a whole later).
        var fields: [(asked: String, reader: TorrentFields.Reader, legacy: String)] = []
        for name in requested {
            let legacy = Self.legacyFieldName(name)
            guard let reader = TorrentFields.reader(legacy) else {
                throw RPCError.argument("unknown torrent field '\(name)'")
            }
            fields.append((legacy, reader, legacy))
        }
        let (_, rows) = numberedRows()
        let selection = try TorrentSelection(arguments["ids"], numbers: numbers)
        let chosen: [(TorrentSnapshot, Int)]
        if case .all = selection {
            chosen = rows
        } else {
            let picked = Set(selection.pick(from: rows.map(\.0)).map(\.id))
            chosen = rows.filter { picked.contains($0.0.id) }
        }
        let detailFields = fields.map(\.legacy).filter { TorrentFields.needDetail.contains($0) }
        var details: [TorrentID: TorrentDetail] = [:]
        if !detailFields.isEmpty {
            // Building 10,000 details (peers, files, pieces) to count no peers made a list slow.
            let peersOnly = detailFields.allSatisfy { TorrentFields.fromPeersOnly.contains($0) }
            let needing = peersOnly ? chosen.filter { $0.0.peers > 0 || $0.0.webSeeds > 0 } : chosen
            for detail in await engine.details(for: needing.map(\.0.id)) { details[detail.id] = detail }
        }
        let now = Date()
        let table = (try arguments.string("format")) == "table"
        var torrents: [Any] = []
        torrents.reserveCapacity(chosen.count + 1)
        if table { torrents.append(fields.map(\.asked)) }
        for (row, number) in chosen {
            let input = TorrentFieldInput(row: row, number: number, detail: details[row.id], now: now)
            if table {
                torrents.append(fields.map { $0.reader(input) })
            } else {
                var object: [String: Any] = [:]
                for field in fields { object[field.asked] = field.reader(input) }
                torrents.append(object)
            }
        }
        var answer: [String: Any] = ["torrents": torrents]
        if case .recentlyActive = selection { answer["removed"] = numbers.recentlyRemoved }
        return answer
    }

    /// `hash_string` → `hashString`, `file_count` → `file-count`; legacy names pass unchanged.
    static func legacyFieldName(_ name: String) -> String {
        if TorrentFields.reader(name) != nil { return name }
        return snakeToLegacy[name] ?? name
    }

    private static let snakeToLegacy: [String: String] = {
        var map: [String: String] = [:]
        for name in TorrentFields.names { map[RPCDialect.snakeCase(name)] = name }
        return map
    }()
}
