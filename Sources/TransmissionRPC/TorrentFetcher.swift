import AsyncHTTPClient
import NIOCore

/// Downloads a `.torrent` named by URL in `torrent-add` (what Sonarr and FlexGet send), capped in
/// size and time.
public enum TorrentFetcher {
    public static let maxBytes = 16 << 20

    public static func fetch(_ url: String) async throws -> [UInt8] {
        var request = HTTPClientRequest(url: url)
        request.headers.add(name: "User-Agent", value: "rill")
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        guard (200..<300).contains(response.status.code) else {
            throw TorrentFetchError.status(Int(response.status.code))
        }
        let body = try await response.body.collect(upTo: maxBytes)
        return Array(body.readableBytesView)
    }
}

enum TorrentFetchError: Error, CustomStringConvertible {
    case status(Int)

    var description: String {
        switch self {
        case .status(let code): "the server answered HTTP \(code)"
        }
    }
}
