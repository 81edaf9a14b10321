internal import AsyncHTTPClient
internal import NIOCore
import TorrentCore
import WireProtocol

/// Something that can announce to and scrape a tracker; lets the engine be tested with a fake.
protocol TrackerTransport: Sendable {
    func announce(url: String, request: AnnounceRequest) async throws(TrackerError) -> AnnounceResponse
    func scrape(url: String, infoHashes: [InfoHash]) async throws(TrackerError) -> ScrapeResponse
}

extension HTTPTrackerClient: TrackerTransport {}
extension UDPTrackerClient: TrackerTransport {}

/// Sends each announce or scrape to the HTTP(S) or UDP client that the URL's scheme calls for.
final class TrackerClient: TrackerTransport {
    let http: HTTPTrackerClient
    let udp: UDPTrackerClient
    /// Set when announces go through a SOCKS5 proxy.
    let proxy: SOCKS5Proxy?

    init(http: HTTPTrackerClient, udp: UDPTrackerClient, proxy: SOCKS5Proxy? = nil) {
        self.http = http
        self.udp = udp
        self.proxy = proxy
    }

    /// Both clients on `eventLoopGroup`, with a new shared `HTTPClient` (through `proxy` when
    /// set); call `shutdown()` when done.
    convenience init(eventLoopGroup: any EventLoopGroup, http: HTTPTrackerClient.Configuration = .init(),
                     udp: UDPTrackerClient.Configuration = .init(), proxy: SOCKS5Proxy? = nil) {
        let client = HTTPTrackerClient.makeHTTPClient(eventLoopGroup: eventLoopGroup, configuration: http)
        let proxied = proxy.map { SOCKS5HTTPClient(proxy: $0, eventLoopGroup: eventLoopGroup) }
        self.init(http: HTTPTrackerClient(client: client, configuration: http, proxied: proxied),
                  udp: UDPTrackerClient(group: eventLoopGroup, configuration: udp, proxy: proxy), proxy: proxy)
    }

    func announce(url: String, request: AnnounceRequest) async throws(TrackerError) -> AnnounceResponse {
        try await transport(for: url).announce(url: url, request: request)
    }

    func scrape(url: String, infoHashes: [InfoHash]) async throws(TrackerError) -> ScrapeResponse {
        try await transport(for: url).scrape(url: url, infoHashes: infoHashes)
    }

    /// Closes the shared `HTTPClient`'s connections.
    func shutdown() async {
        try? await http.client.shutdown()
    }

    private func transport(for url: String) throws(TrackerError) -> any TrackerTransport {
        switch try TrackerURL(url).scheme {
        case .http, .https:
            return http
        case .udp:
            return udp  // through the proxy's UDP relay when one is set
        }
    }
}
