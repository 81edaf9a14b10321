import TorrentCore
import WireProtocol

/// Peer exchange with one connection (BEP 11): remembers which peers we last told it about,
/// and turns the torrent's current peers into the next `added`/`dropped` message, at most once
/// per `interval`. Also bounds what it accepts from the peer. Pure: the time is a parameter.
public struct PexState: Sendable {
    /// The shortest time between two messages we send (BEP 11 asks for at least a minute).
    public var interval: Duration = .seconds(60)
    /// The first message goes out this soon after the connection.
    public var firstDelay: Duration = .seconds(2)
    /// The most peers in `added` (and in `dropped`) of one message.
    public static let maxPerMessage = 50
    /// The most peers whose advertisement we remember for this connection.
    public static let maxRemembered = 500
    /// The shortest time between two incoming messages we act on; more frequent ones are ignored.
    public var minIncomingInterval: Duration = .seconds(20)

    private var told: [PeerEndpoint: PexFlags] = [:]
    private let connectedAt: SwarmInstant
    private var lastSent: SwarmInstant?
    private var lastAccepted: SwarmInstant?

    public init(connectedAt: SwarmInstant) {
        self.connectedAt = connectedAt
    }

    /// True when a message may go out now.
    public func isDue(at now: SwarmInstant) -> Bool {
        if let lastSent { return lastSent.duration(to: now) >= interval }
        return connectedAt.duration(to: now) >= firstDelay
    }

    /// The message to send now given the torrent's current peers (without the receiver itself),
    /// or nil when none is due or there is no news. Records what was sent.
    public mutating func nextMessage(current: [PexMessage.Peer], at now: SwarmInstant) -> PexMessage? {
        guard isDue(at: now) else { return nil }
        var currentFlags: [PeerEndpoint: PexFlags] = [:]
        for peer in current where currentFlags.count < Self.maxRemembered { currentFlags[peer.endpoint] = peer.flags }
        var added: [PexMessage.Peer] = []
        for peer in current where added.count < Self.maxPerMessage {
            if told[peer.endpoint] == nil, told.count < Self.maxRemembered {
                added.append(peer)
                told[peer.endpoint] = peer.flags
            }
        }
        var dropped: [PeerEndpoint] = []
        for endpoint in told.keys.sorted(by: { $0.description < $1.description })
        where currentFlags[endpoint] == nil && dropped.count < Self.maxPerMessage {
            dropped.append(endpoint)
            told[endpoint] = nil
        }
        lastSent = now
        guard !added.isEmpty || !dropped.isEmpty else { return nil }
        return PexMessage(added: added, dropped: dropped)
    }

    /// Peers of an incoming message worth trying: the added ones, at most `maxPerMessage`, none when
    /// the peer sends more often than `minIncomingInterval` allows.
    public mutating func accept(_ message: PexMessage, at now: SwarmInstant) -> [PeerEndpoint] {
        if let lastAccepted, lastAccepted.duration(to: now) < minIncomingInterval { return [] }
        lastAccepted = now
        var seen: Set<PeerEndpoint> = []
        var out: [PeerEndpoint] = []
        for peer in message.added where out.count < Self.maxPerMessage && seen.insert(peer.endpoint).inserted {
            out.append(peer.endpoint)
        }
        return out
    }
}
