import TorrentCore

/// Builds HTTP scrape URLs from announce URLs (BEP 48).
public enum ScrapeRequest {
    /// The scrape URL for `announceURL`: its last path component must start with `announce`,
    /// which becomes `scrape` (`/x/announce.php?k=1` → `/x/scrape.php?k=1`); nil when the
    /// tracker has no conventional scrape URL.
    public static func scrapeURL(forAnnounce announceURL: String) -> String? {
        var url = Substring(announceURL)
        if let hash = url.firstIndex(of: "#") { url = url[..<hash] }
        let pathEnd = url.firstIndex(of: "?") ?? url.endIndex
        let path = url[..<pathEnd]
        guard let slash = path.lastIndex(of: "/") else { return nil }
        let last = path[path.index(after: slash)...]
        guard last.hasPrefix("announce") else { return nil }
        // The slash must belong to the path, not to "scheme://".
        guard let schemeEnd = url.firstRange(of: "://"), slash >= schemeEnd.upperBound else { return nil }
        let rest = last.dropFirst("announce".count)
        return String(path[...slash]) + "scrape" + rest + url[pathEnd...]
    }

    /// The full scrape URL asking about `infoHashes` (one `info_hash` parameter each).
    public static func url(forAnnounce announceURL: String, infoHashes: [InfoHash]) -> String? {
        guard let base = scrapeURL(forAnnounce: announceURL) else { return nil }
        let query = infoHashes.map { "info_hash=" + URLPercentEncoding.encode($0.bytes) }.joined(separator: "&")
        return URLPercentEncoding.appendQuery(query, to: base)
    }
}
