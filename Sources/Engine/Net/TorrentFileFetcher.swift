internal import AsyncHTTPClient
internal import NIOCore

/// Downloads a `.torrent` named by an http(s) URL (what Sonarr and FlexGet send to `torrent-add`),
/// capped in size and time, through the session's SOCKS5 proxy when one is set.
enum TorrentFileFetcher {
    static let maxBytes = 16 << 20

    static func fetch(_ url: String, proxy: SOCKS5Proxy?) async throws -> [UInt8] {
        if let proxy { return try await proxy.fetch(url, maxBytes: maxBytes) }
        var request = HTTPClientRequest(url: url)
        request.headers.add(name: "User-Agent", value: "rill")
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        guard (200..<300).contains(response.status.code) else {
            throw SOCKS5Proxy.FetchError(description: "the server answered HTTP \(response.status.code)")
        }
        let body = try await response.body.collect(upTo: maxBytes)
        return Array(body.readableBytesView)
    }
}
