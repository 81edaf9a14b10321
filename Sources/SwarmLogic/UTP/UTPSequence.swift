/// uTP's 16-bit sequence and ack numbers wrap; these compare them the way the BEP intends: a
/// number less than half the space ahead of another is "after" it.
enum UTPSequence {
    /// How far `later` is past `earlier`, or nil when it is behind (or more than half the space ahead).
    static func distance(from earlier: UInt16, to later: UInt16) -> Int? {
        let gap = later &- earlier
        return gap < 0x8000 ? Int(gap) : nil
    }
}

/// The µs clock fields of a uTP header are 32-bit and wrap about every 71 minutes; differences
/// between them are compared as signed values.
public enum UTPClock {
    /// `instant` as the 32-bit microsecond timestamp a header carries.
    public static func timestamp(_ instant: SwarmInstant) -> UInt32 {
        UInt32(truncatingIfNeeded: microseconds(instant.offset))
    }

    static func microseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds * 1_000_000 + attoseconds / 1_000_000_000_000
    }

    /// True when `a` is earlier than `b` on the wrapping clock.
    static func isBefore(_ a: UInt32, _ b: UInt32) -> Bool {
        Int32(bitPattern: a &- b) < 0
    }
}
