/// What the choker knows about one connected peer at a choke round.
public struct PeerSample: Hashable, Sendable {
    public var key: PeerKey
    /// Bytes per second we receive from the peer.
    public var downloadRate: Double
    /// Bytes per second we send to the peer.
    public var uploadRate: Double
    /// The peer is interested in what we have.
    public var isInterested: Bool
    /// The peer has unchoked us but sent no block for a long while (see `Choker.isSnubbed`).
    public var isSnubbed: Bool
    /// We currently unchoke the peer.
    public var isUnchoked: Bool
    /// When we last unchoked the peer; nil if never.
    public var lastUnchokedAt: SwarmInstant?

    public init(
        key: PeerKey, downloadRate: Double = 0, uploadRate: Double = 0, isInterested: Bool = true,
        isSnubbed: Bool = false, isUnchoked: Bool = false, lastUnchokedAt: SwarmInstant? = nil
    ) {
        self.key = key
        self.downloadRate = downloadRate
        self.uploadRate = uploadRate
        self.isInterested = isInterested
        self.isSnubbed = isSnubbed
        self.isUnchoked = isUnchoked
        self.lastUnchokedAt = lastUnchokedAt
    }
}
