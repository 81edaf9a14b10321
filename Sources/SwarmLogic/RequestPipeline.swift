/// How many block requests to keep outstanding at a peer: enough to cover `bufferTime` of its
/// measured rate, so the link never idles between a block arriving and the next request landing.
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

    public init(
        minimumDepth: Int = 4, defaultPeerLimit: Int = 250, maximumDepth: Int = 500,
        bufferTime: Duration = .seconds(2), blockSize: Int = PiecePicker.defaultBlockSize
    ) {
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
}
