import EngineAPI

/// The torrent list's `/` filter: words that must all match. `label:NAME` keeps torrents with
/// that label (case-insensitive, whole label); any other word must appear in the name.
struct TorrentFilter {
    private var nameWords: [String] = []
    private var labels: [String] = []

    init(_ text: String) {
        for word in text.lowercased().split(separator: " ") {
            if word.hasPrefix("label:") {
                let name = word.dropFirst("label:".count)
                if !name.isEmpty { labels.append(String(name)) }
            } else {
                nameWords.append(String(word))
            }
        }
    }

    func matches(_ row: TorrentSnapshot) -> Bool {
        let name = row.name.lowercased()
        guard nameWords.allSatisfy({ name.contains($0) }) else { return false }
        let rowLabels = Set(row.labels.map { $0.lowercased() })
        return labels.allSatisfy { rowLabels.contains($0) }
    }
}
