internal import AsyncHTTPClient
import Foundation
internal import NIOCore
internal import NIOPosix
import TorrentCore
import WireProtocol

/// Announces and scrapes over HTTP and HTTPS (BEP 3, 23, 48) through one shared `HTTPClient`, or
/// through a SOCKS5 proxy (with its username and password) when one is set.
final class HTTPTrackerClient: Sendable {
    /// Limits for one request.
    struct Configuration: Sendable {
        /// The whole request, redirects included, must finish within this time.
        var timeout: Duration = .seconds(15)
        /// Replies larger than this are refused.
        var maxResponseBytes = 1 << 20
        /// The most redirects followed.
        var maxRedirects = 3
        /// Sent as `User-Agent`.
        var userAgent = "rill/0.1"
    }

    let client: HTTPClient
    let configuration: Configuration
    /// Set behind a proxy: every request goes through it instead of `client`.
    let proxied: SOCKS5HTTPClient?

    init(client: HTTPClient, configuration: Configuration = Configuration(), proxied: SOCKS5HTTPClient? = nil) {
        self.client = client
        self.configuration = configuration
        self.proxied = proxied
    }

    /// An `HTTPClient` set up for trackers: bounded timeouts and redirects, one connection attempt
    /// (the announce schedule retries, not the pool). The caller shuts it down.
    static func makeHTTPClient(eventLoopGroup: any EventLoopGroup, configuration: Configuration = Configuration())
        -> HTTPClient {
        var settings = HTTPClient.Configuration(
            redirectConfiguration: .follow(max: configuration.maxRedirects, allowCycles: false),
            timeout: .init(connect: TimeAmount(configuration.timeout), read: TimeAmount(configuration.timeout))
        )
        settings.connectionPool.retryConnectionEstablishment = false
        settings.connectionPool.idleTimeout = .seconds(30)
        return HTTPClient(eventLoopGroup: eventLoopGroup, configuration: settings)
    }

    /// Announces `request` to the tracker at `url`.
    func announce(url: String, request: AnnounceRequest) async throws(TrackerError) -> AnnounceResponse {
        let tracker = try Self.httpURL(url)
        let body = try await get(request.httpURL(announce: url), tracker: tracker)
        do {
            return try AnnounceResponse.parse(body)
        } catch {
            throw TrackerError(url: tracker.display, reply: error)
        }
    }

    /// Asks the tracker at `url` (an announce URL) for counts of `infoHashes`.
    func scrape(url: String, infoHashes: [InfoHash]) async throws(TrackerError) -> ScrapeResponse {
        let tracker = try Self.httpURL(url)
        guard let scrapeURL = ScrapeRequest.url(forAnnounce: url, infoHashes: infoHashes) else {
            throw .scrapeUnsupported(url: tracker.display)
        }
        let body = try await get(scrapeURL, tracker: tracker)
        do {
            return try ScrapeResponse.parse(body)
        } catch {
            throw TrackerError(url: tracker.display, reply: error)
        }
    }

    // MARK: - Transport

    private static func httpURL(_ url: String) throws(TrackerError) -> TrackerURL {
        let tracker = try TrackerURL(url)
        guard tracker.scheme == .http || tracker.scheme == .https else { throw .unsupportedScheme(url: tracker.display) }
        return tracker
    }

    /// Fetches `fullURL` and returns the body of a 200 reply. Other statuses are errors, unless
    /// the body is a tracker's `failure reason`.
    private func get(_ fullURL: String, tracker: TrackerURL) async throws(TrackerError) -> [UInt8] {
        if let proxied { return try await getThroughProxy(fullURL, tracker: tracker, client: proxied) }
        var request = HTTPClientRequest(url: fullURL)
        request.method = .GET
        request.headers.add(name: "User-Agent", value: configuration.userAgent)
        request.headers.add(name: "Accept-Encoding", value: "identity")
        // Announces are minutes apart, and trackers such as opentracker close after each reply:
        // a pooled connection would only race with that close.
        request.headers.add(name: "Connection", value: "close")
        let status: Int
        let body: [UInt8]
        do {
            let response = try await client.execute(request, timeout: TimeAmount(configuration.timeout))
            status = Int(response.status.code)
            let buffer = try await response.body.collect(upTo: configuration.maxResponseBytes)
            body = Array(buffer.readableBytesView)
        } catch {
            if Task.isCancelled { throw .cancelled(url: tracker.display) }
            throw Self.map(error, tracker: tracker, configuration: configuration)
        }
        guard status == 200 else {
            if case .failure(let reason)? = Self.failureReason(in: body) {
                throw .rejected(url: tracker.display, reason: reason)
            }
            throw .httpStatus(url: tracker.display, status: status)
        }
        return body
    }

    private func getThroughProxy(_ fullURL: String, tracker: TrackerURL, client: SOCKS5HTTPClient)
        async throws(TrackerError) -> [UInt8] {
        let limits = SOCKS5HTTPClient.Limits(timeout: configuration.timeout, maxBodyBytes: configuration.maxResponseBytes,
                                             maxRedirects: configuration.maxRedirects)
        let response: SOCKS5HTTPClient.Response
        do {
            response = try await client.get(fullURL, headers: [("User-Agent", configuration.userAgent),
                                                               ("Accept-Encoding", "identity")], limits: limits)
        } catch {
            switch error {
            case .cancelled: throw .cancelled(url: tracker.display)
            case .timedOut: throw .timedOut(url: tracker.display, after: configuration.timeout)
            case .tooLarge: throw .responseTooLarge(url: tracker.display, limit: configuration.maxResponseBytes)
            case .invalidURL: throw .invalidURL(tracker.display)
            default: throw .unreachable(url: tracker.display, reason: "\(error)")
            }
        }
        guard response.status == 200 else {
            if case .failure(let reason)? = Self.failureReason(in: response.body) {
                throw .rejected(url: tracker.display, reason: reason)
            }
            throw .httpStatus(url: tracker.display, status: response.status)
        }
        return response.body
    }

    private static func failureReason(in body: [UInt8]) -> TrackerReplyError? {
        do {
            _ = try AnnounceResponse.parse(body)
            return nil
        } catch {
            return error
        }
    }

    /// Turns transport errors into one readable reason.
    static func map(_ error: any Error, tracker: TrackerURL, configuration: Configuration) -> TrackerError {
        let url = tracker.display
        if error is NIOTooManyBytesError { return .responseTooLarge(url: url, limit: configuration.maxResponseBytes) }
        if let error = error as? HTTPClientError {
            switch error {
            // The client cancels a request that outlives its deadline: for the user that is a
            // tracker that did not answer in time (a cancelled task is told apart by the caller).
            case .connectTimeout, .deadlineExceeded, .readTimeout, .writeTimeout, .getConnectionFromPoolTimeout,
                 .tlsHandshakeTimeout, .cancelled:
                return .timedOut(url: url, after: configuration.timeout)
            case .redirectLimitReached:
                return .unreachable(url: url, reason: "more than \(configuration.maxRedirects) redirects")
            case .redirectCycleDetected:
                return .unreachable(url: url, reason: "redirects go round in a circle")
            case .remoteConnectionClosed:
                return .unreachable(url: url, reason: "the connection closed before a reply")
            case .invalidURL, .emptyHost, .emptyScheme:
                return .invalidURL(url)
            default:
                return .unreachable(url: url, reason: "\(error)")
            }
        }
        if let error = error as? ChannelError, case .connectTimeout = error {
            return .timedOut(url: url, after: configuration.timeout)
        }
        return .unreachable(url: url, reason: NetworkErrorText.describe(error))
    }
}
