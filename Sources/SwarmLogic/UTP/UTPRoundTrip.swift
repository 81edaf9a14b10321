/// Round-trip time and the retransmission timeout derived from it, as BEP 29 gives them (after
/// TCP's estimator): `rtt_var += (|rtt - sample| - rtt_var) / 4`, `rtt += (sample - rtt) / 8`,
/// `timeout = max(rtt + 4 * rtt_var, 500 ms)`; the timeout doubles on each expiry.
public struct UTPRoundTrip: Sendable, Equatable {
    public static let initialTimeout = Duration.seconds(1)
    public static let minimumTimeout = Duration.milliseconds(500)
    public static let maximumTimeout = Duration.seconds(60)

    /// The smoothed round trip; nil before the first sample.
    public private(set) var smoothed: Duration?
    public private(set) var variance: Duration = .zero
    /// How long to wait for an ack before resending.
    public private(set) var timeout: Duration = Self.initialTimeout

    public init() {}

    /// Folds in one round trip, measured on a packet sent once (Karn's rule is the caller's).
    public mutating func sample(_ roundTrip: Duration) {
        if let rtt = smoothed {
            let error = rtt > roundTrip ? rtt - roundTrip : roundTrip - rtt
            variance += (error - variance) / 4
            smoothed = rtt + (roundTrip - rtt) / 8
        } else {
            smoothed = roundTrip
            variance = roundTrip / 2
        }
        timeout = min(Self.maximumTimeout, max(Self.minimumTimeout, (smoothed ?? roundTrip) + variance * 4))
    }

    /// The timer ran out: wait twice as long for the next try.
    public mutating func backOff() {
        timeout = min(Self.maximumTimeout, timeout * 2)
    }
}
