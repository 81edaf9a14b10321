/// Path MTU discovery for one uTP connection, as a binary search over the payload size: it starts
/// at the floor (1,400 bytes, which fits any path that carries 1,500-byte IPv4 or IPv6 packets)
/// and probes upward to the ceiling the owner knows (the interface MTU minus the IP, UDP and uTP
/// headers: about 64 KiB on loopback, 1,452 bytes on a 1,500-byte IPv4 LAN).
///
/// A probe is one data packet of the probed size, sent with "don't fragment". Acknowledged, the
/// size becomes the floor and the packet size; lost, the size minus one becomes the ceiling. A
/// lost probe says nothing about congestion, so the caller must not shrink its window for it. An
/// explicit "too big" (EMSGSIZE from the socket, or an ICMP "fragmentation needed") lowers the
/// ceiling the same way and, when the packet size itself was too big, the packet size too. The
/// search ends when floor and ceiling are within `precision` bytes; one probe is out at a time.
public struct UTPPathMTU: Sendable, Equatable {
    /// The payload that fits every common path (BEP 29's 1,400-byte default).
    public static let safePayload = 1400
    /// Stop once the remaining range is this small: a few bytes more per packet are not worth a probe.
    public static let precision = 16
    /// The payload of a 576-byte IPv4 packet (the least every IPv4 path carries).
    public static let minimumPayload = 576 - 20 - 8 - 20
    /// IP, UDP and uTP header bytes on top of a payload (IPv4 20 or IPv6 40, UDP 8, uTP 20).
    public static func headerOverhead(ipv6: Bool) -> Int { (ipv6 ? 40 : 20) + 8 + 20 }

    /// The largest payload known to get through: what data packets carry.
    public private(set) var floor: Int
    /// The largest payload that might get through.
    public private(set) var ceiling: Int
    /// The size of the probe in flight, if any.
    public private(set) var probeInFlight: Int?

    /// A search from `floor` up to `ceiling` (payload bytes); a ceiling below the floor lowers it.
    public init(floor: Int = UTPPathMTU.safePayload, ceiling: Int) {
        self.floor = max(1, min(floor, ceiling))
        self.ceiling = max(self.floor, ceiling)
    }

    /// The payload size for ordinary data packets.
    public var packetSize: Int { floor }

    /// Whether the search is over (no more probes).
    public var isSettled: Bool { ceiling - floor < Self.precision }

    /// The size to probe next, when a probe should go out now: half way between floor and ceiling.
    public var nextProbe: Int? {
        guard probeInFlight == nil, !isSettled else { return nil }
        return floor + (ceiling - floor + 1) / 2
    }

    /// A probe of `size` bytes left (the caller sends it with "don't fragment").
    public mutating func probeSent(_ size: Int) {
        probeInFlight = size
    }

    /// The probe arrived: the path carries `size` bytes.
    public mutating func probeAcknowledged(_ size: Int) {
        if probeInFlight == size { probeInFlight = nil }
        floor = max(floor, min(size, ceiling))
    }

    /// The probe was lost (duplicate acks, the selective ack, or the retransmission timer).
    public mutating func probeLost(_ size: Int) {
        if probeInFlight == size { probeInFlight = nil }
        lowerCeiling(below: size)
    }

    /// A packet of `size` bytes could not be sent or was refused on the way as too big.
    /// When even the packet size was too big, the search starts again from the payload that
    /// fits a 576-byte IPv4 packet, which every IPv4 path must carry.
    public mutating func packetTooBig(_ size: Int) {
        if probeInFlight == size { probeInFlight = nil }
        guard size > 1 else { return }
        ceiling = min(ceiling, size - 1)
        if floor > ceiling { floor = min(ceiling, Self.minimumPayload) }
    }

    private mutating func lowerCeiling(below size: Int) {
        guard size > floor else { return }
        ceiling = min(ceiling, size - 1)
    }
}
