internal import AsyncHTTPClient
internal import NIOConcurrencyHelpers
internal import NIOCore
import SwarmLogic
import TorrentCore

/// Why a web seed fetch failed, in words a user can read.
enum WebSeedError: Error, CustomStringConvertible, Sendable {
    case httpStatus(Int, retryAfter: Duration?)
    case timedOut
    case unreachable(String)
    /// The reply was not the bytes asked for (wrong length, wrong `Content-Range`).
    case wrongBody(String)
    /// A 200 reply with the whole file, for a range too far into it to skip through.
    case rangesUnsupported
    case cancelled

    var description: String {
        switch self {
        case .httpStatus(let status, _): "HTTP status \(status)"
        case .timedOut: "no answer in time"
        case .unreachable(let reason): "unreachable: \(reason)"
        case .wrongBody(let reason): "wrong reply: \(reason)"
        case .rangesUnsupported: "the server does not answer byte ranges"
        case .cancelled: "cancelled"
        }
    }

    /// The retry policy's view: a server that is busy or away may answer later; a wrong answer
    /// will most likely be wrong again.
    var failure: WebSeedHealth.Failure {
        switch self {
        case .httpStatus(let status, let retryAfter):
            status == 429 || status == 408 || status >= 500 ? .transient(retryAfter: retryAfter) : .wrongAnswer
        case .timedOut, .unreachable, .cancelled: .transient(retryAfter: nil)
        case .wrongBody, .rangesUnsupported: .wrongAnswer
        }
    }
}

/// Fetches byte ranges from web seeds (BEP 19) over HTTP and HTTPS, through one `HTTPClient`
/// made on first use and shared by the session's torrents.
///
/// A reply is read as it streams in and never kept beyond the bytes asked for: a 206 must carry
/// exactly the range (its `Content-Range` checked when present); a 200 with the whole file is
/// accepted for ranges near the start of the file (the bytes before the range are skipped, not
/// kept), and refused further in, where it would cost the whole file every time. Behind a SOCKS5
/// proxy every request goes through it (`SOCKS5HTTPClient`), reading at most the bytes needed.
final class WebSeedFetcher: Sendable {
    struct Configuration: Sendable {
        /// One request, from connecting to the last byte.
        var timeout: Duration = .seconds(30)
        /// The furthest into a file a 200 reply (the whole file) is read through to reach a range.
        var maxSkipForFullReply = 4 << 20
        var maxRedirects = 3
        var userAgent = "rill/0.1"
    }

    let configuration: Configuration
    private let group: any EventLoopGroup
    private let client = NIOLockedValueBox<HTTPClient?>(nil)
    private let proxied: SOCKS5HTTPClient?

    init(eventLoopGroup: any EventLoopGroup, configuration: Configuration = Configuration(), proxy: SOCKS5Proxy? = nil) {
        group = eventLoopGroup
        self.configuration = configuration
        proxied = proxy.map { SOCKS5HTTPClient(proxy: $0, eventLoopGroup: eventLoopGroup) }
    }

    private var httpClient: HTTPClient {
        client.withLockedValue { client in
            if let client { return client }
            let timeout = TimeAmount(configuration.timeout)
            let settings = HTTPClient.Configuration(
                redirectConfiguration: .follow(max: configuration.maxRedirects, allowCycles: false),
                timeout: .init(connect: timeout, read: timeout))
            let made = HTTPClient(eventLoopGroup: group, configuration: settings)
            client = made
            return made
        }
    }

    /// Closes the client's connections, if it was ever made.
    func shutdown() async {
        let made = client.withLockedValue { $0 }
        try? await made?.shutdown()
    }

    /// The bytes of the segments in order (each file segment is one range request, padding is
    /// zeros) and how many requests were retried on the way.
    ///
    /// A request that fails in a way that may pass (503 without a long `Retry-After`, time-out,
    /// reset) is retried up to `retries` times after a short pause, keeping the segments already
    /// in: a piece spanning three files on a mirror that fails one request in three would
    /// otherwise never arrive whole.
    func fetch(_ segments: [WebSeedMap.Segment], retries: Int = 3) async throws(WebSeedError)
        -> (bytes: [UInt8], retried: Int) {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(segments.reduce(0) { $0 + $1.length })
        var retried = 0
        for segment in segments {
            switch segment {
            case .zeros(let count):
                bytes.append(contentsOf: repeatElement(0, count: count))
            case .file(let url, let range):
                var attempt = 0
                while true {
                    let mark = bytes.count
                    do {
                        try await fetch(url: url, range: range, into: &bytes)
                        break
                    } catch {
                        bytes.removeSubrange(mark..<bytes.count)
                        guard attempt < retries, Self.mayRetryAtOnce(error), !Task.isCancelled else { throw error }
                        attempt += 1
                        retried += 1
                        try? await Task.sleep(for: .milliseconds(100) * (1 << attempt))
                    }
                }
            }
        }
        return (bytes, retried)
    }

    private static func mayRetryAtOnce(_ error: WebSeedError) -> Bool {
        guard case .transient(let retryAfter) = error.failure else { return false }
        return (retryAfter ?? .zero) <= .seconds(1)
    }

    /// Appends bytes `range` of the file at `url` to `bytes`.
    func fetch(url: String, range: Range<Int>, into bytes: inout [UInt8]) async throws(WebSeedError) {
        guard !range.isEmpty else { return }
        if let proxied { return try await fetch(url: url, range: range, into: &bytes, through: proxied) }
        var request = HTTPClientRequest(url: url)
        request.method = .GET
        request.headers.add(name: "User-Agent", value: configuration.userAgent)
        request.headers.add(name: "Accept-Encoding", value: "identity")
        request.headers.add(name: "Range", value: "bytes=\(range.lowerBound)-\(range.upperBound - 1)")
        let start = bytes.count
        do {
            let response = try await httpClient.execute(request, timeout: TimeAmount(configuration.timeout))
            let header: (String) -> String? = { response.headers.first(name: $0) }
            var skip = 0
            switch response.status.code {
            case 206:
                try Self.check(header, range: range)
            case 200:
                guard range.lowerBound <= configuration.maxSkipForFullReply else {
                    throw WebSeedError.rangesUnsupported
                }
                skip = range.lowerBound
            default:
                throw WebSeedError.httpStatus(Int(response.status.code), retryAfter: Self.retryAfter(header))
            }
            let wanted = range.count
            for try await var chunk in response.body {
                if skip > 0 {
                    let skipped = min(skip, chunk.readableBytes)
                    chunk.moveReaderIndex(forwardBy: skipped)
                    skip -= skipped
                }
                let room = wanted - (bytes.count - start)
                if chunk.readableBytes > room {
                    // A 200 goes on to the end of the file: stop reading once the range is in.
                    guard response.status.code == 200 else {
                        throw WebSeedError.wrongBody("more than the \(wanted) bytes asked for")
                    }
                    bytes.append(contentsOf: chunk.readableBytesView.prefix(room))
                    break
                }
                bytes.append(contentsOf: chunk.readableBytesView)
            }
            let got = bytes.count - start
            guard got == wanted else { throw WebSeedError.wrongBody("\(got) bytes of the \(wanted) asked for") }
        } catch let error as WebSeedError {
            throw error
        } catch {
            throw Self.map(error)
        }
    }

    /// The same through the proxy: the reply is read only as far as the range needs.
    private func fetch(url: String, range: Range<Int>, into bytes: inout [UInt8], through client: SOCKS5HTTPClient)
        async throws(WebSeedError) {
        let skipAllowed = range.lowerBound <= configuration.maxSkipForFullReply
        // One byte more than a 206 needs, to tell a reply that goes on from an exact one.
        let limits = SOCKS5HTTPClient.Limits(
            timeout: configuration.timeout, maxBodyBytes: max(range.count + 1, skipAllowed ? range.upperBound : 0),
            truncateBody: true, maxRedirects: configuration.maxRedirects)
        let headers = [("User-Agent", configuration.userAgent), ("Accept-Encoding", "identity"),
                       ("Range", "bytes=\(range.lowerBound)-\(range.upperBound - 1)")]
        let response: SOCKS5HTTPClient.Response
        do {
            response = try await client.get(url, headers: headers, limits: limits)
        } catch {
            switch error {
            case .cancelled: throw .cancelled
            case .timedOut: throw .timedOut
            case .closedEarly: throw .unreachable("the connection closed before the whole reply")
            default: throw .unreachable("\(error)")
            }
        }
        switch response.status {
        case 206:
            try Self.check(response.header, range: range)
            guard response.body.count == range.count else {
                throw response.body.count > range.count ? .wrongBody("more than the \(range.count) bytes asked for")
                    : .wrongBody("\(response.body.count) bytes of the \(range.count) asked for")
            }
            bytes.append(contentsOf: response.body)
        case 200:
            guard skipAllowed else { throw .rangesUnsupported }
            guard response.body.count >= range.upperBound else {
                throw .wrongBody("\(max(0, response.body.count - range.lowerBound)) bytes of the \(range.count) asked for")
            }
            bytes.append(contentsOf: response.body[range])
        default:
            throw .httpStatus(response.status, retryAfter: Self.retryAfter(response.header))
        }
    }

    /// A 206 must be for the range asked (`Content-Range: bytes a-b/total`) and of its length.
    private static func check(_ header: (String) -> String?, range: Range<Int>) throws(WebSeedError) {
        if let length = header("Content-Length").flatMap({ Int($0) }), length != range.count {
            throw .wrongBody("Content-Length \(length) for a range of \(range.count) bytes")
        }
        guard let value = header("Content-Range") else { return }
        let expected = "bytes \(range.lowerBound)-\(range.upperBound - 1)/"
        guard value.hasPrefix(expected) else {
            throw .wrongBody("Content-Range \(value.prefix(60)) for bytes \(range.lowerBound)-\(range.upperBound - 1)")
        }
    }

    /// `Retry-After` in seconds (the date form is ignored), capped at an hour.
    private static func retryAfter(_ header: (String) -> String?) -> Duration? {
        guard let text = header("Retry-After"), let seconds = Int(text), seconds >= 0 else { return nil }
        return .seconds(min(seconds, 3600))
    }

    private static func map(_ error: any Error) -> WebSeedError {
        if let error = error as? HTTPClientError {
            switch error {
            case .connectTimeout, .deadlineExceeded, .readTimeout, .writeTimeout, .getConnectionFromPoolTimeout,
                 .tlsHandshakeTimeout:
                return .timedOut
            case .cancelled:
                return .cancelled
            case .remoteConnectionClosed:
                return .unreachable("the connection closed before the whole reply")
            default:
                return .unreachable("\(error)")
            }
        }
        if let error = error as? ChannelError, case .connectTimeout = error { return .timedOut }
        return .unreachable(NetworkErrorText.describe(error))
    }
}
