/// LEDBAT congestion control (RFC 6817, as BEP 29 uses it): the window grows while the one-way
/// queuing delay is below the target and shrinks above it, in proportion to how far off it is,
/// so a bulk upload fills an idle link but gives way as soon as other traffic builds a queue.
///
/// The target is 100 ms, as µTorrent and libtorrent use: RFC 6817 allows at most 100 ms, and
/// with the same target as the other uTP clients a rill upload competes evenly with theirs
/// (a lower target would make rill yield to them too). The gain caps growth at 3,000 bytes per
/// round trip (libtorrent's figure); slow start doubles the window each round trip until the
/// delay nears the target or a packet is lost. Loss halves the window; a timeout drops it to one
/// packet.
public struct LEDBAT: Sendable, Equatable {
    public static let defaultTarget = Duration.milliseconds(100)
    public static let maxIncreasePerRoundTrip = 3000

    public let target: Duration
    public let packetSize: Int
    public let maximumWindow: Int
    /// The congestion window in bytes.
    public private(set) var window: Int
    public private(set) var isInSlowStart = true
    public private(set) var history: BaseDelayHistory
    /// The last queuing delay measured.
    public private(set) var queuingDelay: Duration = .zero

    public init(packetSize: Int, target: Duration = Self.defaultTarget, maximumWindow: Int = 4 << 20,
                history: BaseDelayHistory = BaseDelayHistory()) {
        self.packetSize = packetSize
        self.target = target
        self.maximumWindow = maximumWindow
        self.history = history
        window = 2 * packetSize
    }

    /// `bytes` were acknowledged; `delay` is the one-way delay the peer measured on our packets
    /// (the header's `timestamp_difference`, nil when it sent 0). `windowWasFull` tells whether
    /// the sender was limited by the window: an application that sends less must not grow it.
    public mutating func acknowledged(bytes: Int, delay: UInt32?, windowWasFull: Bool, at now: SwarmInstant) {
        guard bytes > 0 else { return }
        if let delay {
            history.record(delay, at: now)
            queuingDelay = history.queuingDelay(delay)
        }
        guard windowWasFull else { return }
        let offTarget = max(-1, min(1, (target - queuingDelay) / target))
        let scaledGain = Double(Self.maxIncreasePerRoundTrip) * offTarget * Double(bytes) / Double(window)
        var change = scaledGain
        if isInSlowStart {
            if queuingDelay > target * 0.9 {
                isInSlowStart = false
            } else {
                change = max(change, Double(bytes))
            }
        }
        window = max(packetSize, min(maximumWindow, window + Int(change.rounded())))
    }

    /// A packet was lost (three duplicate acks, or the selective ack says so).
    public mutating func lost() {
        isInSlowStart = false
        window = max(packetSize, window / 2)
    }

    /// The retransmission timer ran out: nothing is known to be getting through.
    public mutating func timedOut() {
        isInSlowStart = false
        window = packetSize
    }
}
