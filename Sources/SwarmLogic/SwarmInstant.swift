/// A point in time passed into SwarmLogic, measured from an origin the caller picks (usually
/// when the session started), so decisions never read a clock and tests can name any moment.
public struct SwarmInstant: InstantProtocol, Hashable, Sendable, CustomStringConvertible {
    /// Time since the origin.
    public var offset: Duration

    public init(offset: Duration) {
        self.offset = offset
    }

    /// The origin itself.
    public static let zero = SwarmInstant(offset: .zero)

    /// `seconds` after the origin; for tests and simple callers.
    public static func seconds(_ seconds: Double) -> SwarmInstant {
        SwarmInstant(offset: .seconds(seconds))
    }

    /// The time between `origin` and `instant` on the continuous clock.
    public init(_ instant: ContinuousClock.Instant, since origin: ContinuousClock.Instant) {
        self.offset = origin.duration(to: instant)
    }

    public func advanced(by duration: Duration) -> SwarmInstant {
        SwarmInstant(offset: offset + duration)
    }

    public func duration(to other: SwarmInstant) -> Duration {
        other.offset - offset
    }

    public static func < (lhs: SwarmInstant, rhs: SwarmInstant) -> Bool { lhs.offset < rhs.offset }

    /// Whole seconds since the origin, rounded down (also for instants before the origin).
    var wholeSeconds: Int64 {
        let (seconds, attoseconds) = offset.components
        return attoseconds < 0 ? seconds - 1 : seconds
    }

    /// Seconds since the origin as a floating-point number.
    var secondsSinceOrigin: Double {
        let (seconds, attoseconds) = offset.components
        return Double(seconds) + Double(attoseconds) / 1e18
    }

    public var description: String { "t+\(offset)" }
}
