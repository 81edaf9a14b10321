/// How many block requests to keep outstanding at a peer: enough to cover `bufferTime` of its
/// measured rate, so the link never idles between a block arriving and the next request landing;
/// with many peers, no more than each one's share of a torrent-wide budget.
public struct RequestPipeline: Hashable, Sendable {
    /// Never fewer than this, so a new or slow peer can still show what it can do.
    public var minimumDepth: Int
    /// The limit when the peer did not send `reqq`.
    public var defaultPeerLimit: Int
    /// Never more than this, whatever the peer claims, to bound memory per peer.
    public var maximumDepth: Int
    /// Seconds of transfer the queue should cover.
    public var bufferTime: Duration
    /// Bytes per request.
    public var blockSize: Int
    /// Bytes of requests out at all of a torrent's peers together, shared by their rates. Every
    /// block asked for is kept in a piece buffer until its piece is complete, so this, not the
    /// number of peers, bounds that memory (30 fast peers at 250 blocks each held 120 MB).
    public var torrentBudget: Int

    public init(
        minimumDepth: Int = 4, defaultPeerLimit: Int = 250, maximumDepth: Int = 500,
        bufferTime: Duration = .seconds(2), blockSize: Int = PiecePicker.defaultBlockSize,
        torrentBudget: Int = 16 << 20
    ) {
        self.torrentBudget = torrentBudget
        self.minimumDepth = minimumDepth
        self.defaultPeerLimit = defaultPeerLimit
        self.maximumDepth = maximumDepth
        self.bufferTime = bufferTime
        self.blockSize = blockSize
    }

    /// The queue depth for a peer sending `downloadRate` bytes per second that accepts
    /// `peerLimit` (its `reqq`) outstanding requests.
    public func depth(downloadRate: Double, peerLimit: Int? = nil) -> Int {
        let upper = max(1, min(peerLimit ?? defaultPeerLimit, maximumDepth))
        let lower = min(minimumDepth, upper)
        let (seconds, attoseconds) = bufferTime.components
        let buffer = Double(seconds) + Double(attoseconds) / 1e18
        let wanted = downloadRate > 0 ? downloadRate * buffer / Double(blockSize) : 0
        guard wanted < Double(upper) else { return upper }
        return max(lower, Int(wanted.rounded(.up)))
    }

    /// The depth for a peer that brings `downloadRate` of its torrent's `torrentRate`: its own
    /// depth, but no more than its share of `torrentBudget` (never below the floor).
    public func depth(downloadRate: Double, peerLimit: Int? = nil, torrentRate: Double) -> Int {
        let own = depth(downloadRate: downloadRate, peerLimit: peerLimit)
        guard downloadRate > 0, torrentRate > 0, torrentRate.isFinite else { return own }
        let share = min(1, downloadRate / torrentRate)
        let budget = (Double(torrentBudget / max(1, blockSize)) * share).rounded(.up)
        return max(min(minimumDepth, own), min(own, Int(budget)))
    }
}
