import WireProtocol

/// Why an announce or scrape failed, as one sentence for the user. Tracker URLs are shown
/// without their query, which often holds a private passkey.
public enum TrackerError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The URL cannot be parsed, or lacks a host (or a port, for UDP).
    case invalidURL(String)
    /// Neither http, https nor udp.
    case unsupportedScheme(url: String)
    /// The tracker has no scrape URL (BEP 48: the announce path must end in `announce…`).
    case scrapeUnsupported(url: String)
    /// The tracker could not be reached: name not found, connection refused, TLS failure…
    case unreachable(url: String, reason: String)
    /// No answer within the time allowed.
    case timedOut(url: String, after: Duration)
    /// An HTTP status other than 200, with no tracker message.
    case httpStatus(url: String, status: Int)
    /// The reply was larger than rill accepts.
    case responseTooLarge(url: String, limit: Int)
    /// The reply could not be read.
    case invalidReply(url: String, TrackerReplyError)
    /// The tracker refused the request and said why.
    case rejected(url: String, reason: String)
    /// The task asking was cancelled before the tracker answered.
    case cancelled(url: String)
    /// A UDP tracker answered, but never with the transaction id of our request.
    case wrongTransactionIDs(url: String, replies: Int)

    public var description: String {
        switch self {
        case .invalidURL(let url):
            "tracker URL \"\(url)\" is not valid"
        case .unsupportedScheme(let url):
            "tracker \(url) uses an unsupported protocol (rill speaks http, https and udp)"
        case .scrapeUnsupported(let url):
            "tracker \(url) does not support scrape"
        case .unreachable(let url, let reason):
            "tracker \(url) unreachable: \(reason)"
        case .timedOut(let url, let after):
            "tracker \(url) did not answer within \(Self.seconds(after))"
        case .httpStatus(let url, let status):
            "tracker \(url) answered with HTTP status \(status)"
        case .responseTooLarge(let url, let limit):
            "tracker \(url) sent a reply larger than \(limit / 1024) KiB"
        case .invalidReply(let url, let error):
            "tracker \(url) sent an invalid reply: \(error)"
        case .rejected(let url, let reason):
            "tracker \(url) said: \(reason)"
        case .cancelled(let url):
            "request to tracker \(url) was cancelled"
        case .wrongTransactionIDs(let url, let replies):
            "tracker \(url) answered \(replies) times, but never to our request (wrong transaction id)"
        }
    }

    /// The tracker the error is about, as shown in the description.
    public var url: String {
        switch self {
        case .invalidURL(let url), .unsupportedScheme(let url), .scrapeUnsupported(let url),
             .unreachable(let url, _), .timedOut(let url, _), .httpStatus(let url, _),
             .responseTooLarge(let url, _), .invalidReply(let url, _), .rejected(let url, _), .cancelled(let url),
             .wrongTransactionIDs(let url, _):
            url
        }
    }

    /// Maps a reply-parsing error: a tracker's own refusal stays a refusal.
    init(url: String, reply error: TrackerReplyError) {
        if case .failure(let reason) = error {
            self = .rejected(url: url, reason: reason)
        } else {
            self = .invalidReply(url: url, error)
        }
    }

    private static func seconds(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        if attoseconds == 0 { return "\(seconds) s" }
        let value = Double(seconds) + Double(attoseconds) / 1e18
        return "\((value * 10).rounded() / 10) s"
    }
}
