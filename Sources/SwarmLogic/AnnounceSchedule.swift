/// When to announce again: the tracker's interval after a success, an exponential back-off with
/// jitter after failures. Pure: the caller adds the returned delays to its own clock.
public struct AnnounceSchedule: Hashable, Sendable {
    /// Used when a reply names no interval.
    public var defaultInterval: Duration
    /// The shortest interval honoured, whatever the tracker says (protects against `interval 0`).
    public var shortestInterval: Duration
    /// The longest interval honoured (protects against a tracker asking us to wait for days).
    public var longestInterval: Duration
    /// The first retry delay; each further failure doubles it.
    public var retryBase: Duration
    /// The longest retry delay.
    public var retryCap: Duration
    /// Retry delays vary by up to this fraction either way, so clients do not retry in lockstep.
    public var jitter: Double

    /// Failures since the last success.
    public private(set) var consecutiveFailures = 0
    /// The `min interval` of the last successful reply, if it named one.
    public private(set) var minInterval: Duration?

    public init(defaultInterval: Duration = .seconds(1800), shortestInterval: Duration = .seconds(60),
                longestInterval: Duration = .seconds(4 * 3600), retryBase: Duration = .seconds(15),
                retryCap: Duration = .seconds(1800), jitter: Double = 0.1) {
        self.defaultInterval = defaultInterval
        self.shortestInterval = shortestInterval
        self.longestInterval = longestInterval
        self.retryBase = retryBase
        self.retryCap = retryCap
        self.jitter = min(max(jitter, 0), 0.5)
    }

    /// Records a successful announce and returns the delay until the next regular one:
    /// `interval` seconds (or the default), never below `minInterval`, bounded to
    /// `shortestInterval…longestInterval`.
    public mutating func succeeded(interval: Int?, minInterval: Int?) -> Duration {
        consecutiveFailures = 0
        self.minInterval = minInterval.map { .seconds(max(0, $0)) }
        var delay = interval.map { Duration.seconds(max(0, $0)) } ?? defaultInterval
        if let floor = self.minInterval, delay < floor { delay = floor }
        return min(max(delay, shortestInterval), longestInterval)
    }

    /// Records a failed announce round and returns the delay before retrying:
    /// `retryBase·2ⁿ` capped at `retryCap`, varied by `jitter`, never above `retryCap`.
    public mutating func failed(using generator: inout some RandomNumberGenerator) -> Duration {
        let nominal = Self.backoff(failures: consecutiveFailures, base: retryBase, cap: retryCap)
        consecutiveFailures += 1
        guard jitter > 0 else { return nominal }
        let factor = Double.random(in: (1 - jitter)...(1 + jitter), using: &generator)
        return min(nominal * factor, retryCap)
    }

    /// How long after the last announce a manual ("announce now") one may go out: the tracker's
    /// `min interval`, or `shortestInterval` when it named none.
    public var earliestManualAnnounce: Duration {
        min(minInterval ?? shortestInterval, longestInterval)
    }

    /// The retry delay without jitter after `failures` earlier failures: `base·2^failures`, capped.
    public static func backoff(failures: Int, base: Duration, cap: Duration) -> Duration {
        var delay = base
        for _ in 0..<min(max(failures, 0), 62) {
            guard delay < cap else { break }
            delay = delay * 2
        }
        return min(delay, cap)
    }
}
