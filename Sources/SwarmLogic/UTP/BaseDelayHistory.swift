/// The lowest one-way delay seen per minute over the last `minutes` minutes (LEDBAT's base
/// delay, RFC 6817 §4.3): the minimum stands for the path with empty queues, and forgetting old
/// minutes lets it follow a route change or clock drift. Delays are raw 32-bit µs differences
/// between two unsynchronised clocks, so only their differences mean anything.
public struct BaseDelayHistory: Sendable, Equatable {
    public let minutes: Int
    private var slots: [UInt32] = []
    private var currentMinute: Int64?

    public init(minutes: Int = 10) {
        self.minutes = max(1, minutes)
    }

    /// The base delay; nil before the first sample.
    public var base: UInt32? {
        slots.min { UTPClock.isBefore($0, $1) }
    }

    /// Records a delay sample taken at `now`.
    public mutating func record(_ delay: UInt32, at now: SwarmInstant) {
        let minute = now.wholeSeconds / 60
        if let current = currentMinute, minute == current, let last = slots.last {
            if UTPClock.isBefore(delay, last) { slots[slots.count - 1] = delay }
            return
        }
        currentMinute = minute
        slots.append(delay)
        if slots.count > minutes { slots.removeFirst(slots.count - minutes) }
    }

    /// How much longer than the base `delay` is: the time packets sat in queues, never negative.
    public func queuingDelay(_ delay: UInt32) -> Duration {
        guard let base else { return .zero }
        let excess = Int32(bitPattern: delay &- base)
        return .microseconds(max(0, Int64(excess)))
    }
}
