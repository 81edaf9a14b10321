import TorrentCore

/// The two ways to reach a peer.
public enum TransportKind: String, Sendable, Hashable {
    case tcp, utp
}

/// Which transport to dial a peer on, remembered per address.
///
/// As libtorrent does, a peer we know nothing about gets uTP first and TCP when the SYN goes
/// unanswered (after 1 s here, ~3 s in libtorrent: `UTPConnection.Configuration.maxSynTimeouts`;
/// the existing resume test stops a download after 2 s and needs data by then). TCP cannot go first:
/// a libtorrent peer with TCP switched off still accepts TCP connections and resets them at
/// the first byte (measured with 2.0.8), which looks like a peer that hung up, not like one
/// without TCP. What worked with the peer last time comes first after that; so does what the
/// swarm told us (PEX's `utp` flag 0x04 set or clear, an incoming uTP connection). The table is
/// bounded: when full, it forgets everything and starts again.
public struct TransportMemory: Sendable {
    public static let capacity = 8192
    private var worked: [PeerEndpoint: TransportKind] = [:]
    private var heard: [PeerEndpoint: TransportKind] = [:]

    public init() {}

    /// The transports to try, in order.
    public func order(for endpoint: PeerEndpoint, utpAvailable: Bool) -> [TransportKind] {
        guard utpAvailable else { return [.tcp] }
        switch worked[endpoint] ?? heard[endpoint] {
        case .utp, nil: return [.utp, .tcp]
        case .tcp: return [.tcp, .utp]
        }
    }

    /// True when a transport worked with `endpoint`, or the swarm said which one it speaks.
    public func knows(_ endpoint: PeerEndpoint) -> Bool {
        worked[endpoint] != nil || heard[endpoint] != nil
    }

    /// A connection over `kind` succeeded.
    public mutating func worked(_ kind: TransportKind, for endpoint: PeerEndpoint) {
        if worked.count >= Self.capacity { worked.removeAll() }
        worked[endpoint] = kind
    }

    /// Someone said the peer speaks `kind`; what worked still comes first.
    public mutating func heard(_ kind: TransportKind, for endpoint: PeerEndpoint) {
        if heard.count >= Self.capacity { heard.removeAll() }
        heard[endpoint] = kind
    }
}
