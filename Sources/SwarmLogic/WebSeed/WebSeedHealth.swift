/// How a web seed (BEP 19) has been answering, and so when and how hard to ask it again.
///
/// Pure: time is a parameter. Policy:
/// - every failure counts (`errors`); failures in a row back off exponentially from
///   `baseBackoff` up to `maxBackoff` (a server's `Retry-After` is honoured up to the same cap),
///   and a success resets the run;
/// - transient failures (503, time-outs, refused connections) never drop the seed: mirrors
///   come back, and a download whose only source is a flaky mirror must still finish;
/// - a seed whose answers are wrong (404, a body of the wrong length) `dropAfter` times in a
///   row is dropped for the session, as is one the caller found sending bad data (`drop`);
/// - fetches in flight follow the seed's rate: enough to keep about `targetSeconds` of data
///   coming, between `minInFlight` and `maxInFlight`, and one at a time after failures in a row.
public struct WebSeedHealth: Sendable {
    /// Why a fetch failed, as far as the retry policy cares.
    public enum Failure: Sendable {
        /// The server may well answer next time (503, time-out, connection refused or reset).
        case transient(retryAfter: Duration?)
        /// The answer was wrong (missing file, wrong status, wrong body).
        case wrongAnswer
    }

    public let baseBackoff: Duration
    public let maxBackoff: Duration
    public let dropAfter: Int
    public let minInFlight: Int
    public let maxInFlight: Int
    public let targetSeconds: Double

    /// Every failed fetch so far.
    public private(set) var errors = 0
    /// Fetches that delivered their bytes.
    public private(set) var successes = 0
    public private(set) var failuresInARow = 0
    private var wrongAnswersInARow = 0
    /// No new fetch before this instant.
    public private(set) var retryAt: SwarmInstant?
    /// Why it was dropped, once it is.
    public private(set) var droppedBecause: String?

    public init(baseBackoff: Duration = .milliseconds(250), maxBackoff: Duration = .seconds(60), dropAfter: Int = 8,
                minInFlight: Int = 2, maxInFlight: Int = 8, targetSeconds: Double = 2) {
        precondition(baseBackoff > .zero && maxBackoff >= baseBackoff && dropAfter > 0, "bad back-off settings")
        precondition(minInFlight > 0 && maxInFlight >= minInFlight, "bad in-flight bounds")
        self.baseBackoff = baseBackoff
        self.maxBackoff = maxBackoff
        self.dropAfter = dropAfter
        self.minInFlight = minInFlight
        self.maxInFlight = maxInFlight
        self.targetSeconds = targetSeconds
    }

    public var isDropped: Bool { droppedBecause != nil }

    /// True when a new fetch may start now.
    public func mayFetch(at now: SwarmInstant) -> Bool {
        !isDropped && (retryAt.map { now >= $0 } ?? true)
    }

    /// How many fetches of `fetchBytes` each should be in flight at a seed moving `rate` bytes/s.
    public func fetchesWanted(rate: Double, fetchBytes: Int) -> Int {
        guard !isDropped else { return 0 }
        if failuresInARow >= 2 { return 1 }
        let byRate = Int((rate * targetSeconds / Double(max(1, fetchBytes))).rounded(.up))
        return min(maxInFlight, max(minInFlight, byRate))
    }

    /// Requests that failed and were retried at once inside a fetch that then succeeded.
    public mutating func retried(_ count: Int) {
        errors += max(0, count)
    }

    public mutating func succeeded() {
        successes += 1
        failuresInARow = 0
        wrongAnswersInARow = 0
        retryAt = nil
    }

    /// Records a failure at `now`; returns how long the seed now waits before the next fetch.
    @discardableResult
    public mutating func failed(_ failure: Failure, at now: SwarmInstant) -> Duration {
        errors += 1
        failuresInARow += 1
        var wait = baseBackoff * (1 << min(failuresInARow - 1, 20))
        switch failure {
        case .transient(let retryAfter):
            wrongAnswersInARow = 0
            if let retryAfter, retryAfter > wait { wait = retryAfter }
        case .wrongAnswer:
            wrongAnswersInARow += 1
            if wrongAnswersInARow >= dropAfter {
                droppedBecause = "\(wrongAnswersInARow) wrong answers in a row"
            }
        }
        wait = min(wait, maxBackoff)
        retryAt = now.advanced(by: wait)
        return wait
    }

    /// Stops using the seed for the session (it sent data that failed its hash too often).
    public mutating func drop(because reason: String) {
        if droppedBecause == nil { droppedBecause = reason }
    }
}
