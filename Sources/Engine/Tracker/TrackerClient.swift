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

    init(http: HTTPTrackerClient, udp: UDPTrackerClient) {
        self.http = http
        self.udp = udp
    }

    /// Both clients on `eventLoopGroup`, with a new shared `HTTPClient`; call `shutdown()` when done.
    convenience init(eventLoopGroup: any EventLoopGroup, http: HTTPTrackerClient.Configuration = .init(),
                     udp: UDPTrackerClient.Configuration = .init()) {
        let client = HTTPTrackerClient.makeHTTPClient(eventLoopGroup: eventLoopGroup, configuration: http)
        self.init(http: HTTPTrackerClient(client: client, configuration: http),
                  udp: UDPTrackerClient(group: eventLoopGroup, configuration: udp))
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
        case .http, .https: http
        case .udp: udp
        }
    }
}
