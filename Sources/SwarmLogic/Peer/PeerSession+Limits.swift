extension PeerSession {
    /// The bounds that keep one peer's memory and patience finite, whatever it sends.
    public struct Limits: Hashable, Sendable {
        /// The `reqq` we advertise: requests beyond it are rejected, so the upload queue never grows past it.
        public var maxQueuedUploads = 500
        /// Longer requests or blocks are protocol errors and drop the peer (clients use 16 KiB;
        /// some old ones ask for up to 128 KiB, the frame decoder's limit too).
        public var maxRequestLength = 128 * 1024
        /// Requests refused for a full queue before we drop the peer for flooding (the one that
        /// reaches this count drops it): a peer that ignores our `reqq` this often will not stop.
        public var floodStrikes = 50
        /// The most allowed-fast pieces we remember; BEP 6 suggests 10, so more is noise.
        public var maxAllowedFast = 64
        /// Send a keep-alive after this long without sending anything, so the peer keeps us.
        public var keepAliveAfter: Duration = .seconds(90)
        /// Drop the peer after this long without receiving anything (keep-alives count): it is gone.
        public var idleTimeout: Duration = .seconds(180)

        public init() {}
    }
}
