/// A moment on the wall clock, to the nanosecond, as file modification times are recorded.
///
/// Storage never reads the clock itself: whoever needs "now" (the engine, a test) passes it in.
public struct FileTime: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Seconds since 1970-01-01 UTC.
    public var seconds: Int64
    /// 0..<1_000_000_000.
    public var nanoseconds: Int64

    public init(seconds: Int64, nanoseconds: Int64 = 0) {
        let carry = nanoseconds >= 0 ? nanoseconds / 1_000_000_000 : (nanoseconds - 999_999_999) / 1_000_000_000
        self.seconds = seconds + carry
        self.nanoseconds = nanoseconds - carry * 1_000_000_000
    }

    /// `seconds` (a whole or fractional count) later; earlier when negative.
    public func adding(seconds interval: Double) -> FileTime {
        let whole = interval.rounded(.down)
        return FileTime(seconds: seconds + Int64(whole), nanoseconds: nanoseconds + Int64((interval - whole) * 1e9))
    }

    /// Seconds from `other` to this moment (negative when `other` is later).
    public func seconds(since other: FileTime) -> Double {
        Double(seconds - other.seconds) + Double(nanoseconds - other.nanoseconds) / 1e9
    }

    public static func < (lhs: FileTime, rhs: FileTime) -> Bool {
        (lhs.seconds, lhs.nanoseconds) < (rhs.seconds, rhs.nanoseconds)
    }

    public var description: String {
        let fraction = String(nanoseconds)
        return "\(seconds).\(String(repeating: "0", count: 9 - fraction.count))\(fraction)"
    }
}

/// Reads the wall clock; injected into the types that compare it with file modification times.
public typealias WallClock = @Sendable () -> FileTime
