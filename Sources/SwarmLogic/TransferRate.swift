/// Bytes per second over a sliding window of one-second buckets (5 s by default).
public struct TransferRate: Hashable, Sendable {
    /// Window length in whole seconds.
    public let windowSeconds: Int
    private var buckets: [Int]
    /// The whole second each bucket counts; a bucket with an older second is stale.
    private var bucketSeconds: [Int64]
    private var firstRecordAt: SwarmInstant?
    /// Every byte ever recorded.
    public private(set) var total: Int = 0

    public init(windowSeconds: Int = 5) {
        precondition(windowSeconds > 0)
        self.windowSeconds = windowSeconds
        self.buckets = Array(repeating: 0, count: windowSeconds)
        self.bucketSeconds = Array(repeating: .min, count: windowSeconds)
    }

    /// Counts `bytes` transferred at `now`. Times must not go backwards by more than the window.
    public mutating func record(bytes: Int, at now: SwarmInstant) {
        guard bytes > 0 else { return }
        if firstRecordAt == nil { firstRecordAt = now }
        let second = now.wholeSeconds
        let slot = Self.slot(second, windowSeconds)
        if bucketSeconds[slot] != second {
            guard bucketSeconds[slot] < second else { return }
            bucketSeconds[slot] = second
            buckets[slot] = 0
        }
        buckets[slot] &+= bytes
        total &+= bytes
    }

    /// The average rate over the window ending at `now`, in bytes per second.
    ///
    /// The window reaches back to the start of the oldest bucket, and never before the first record,
    /// so a fresh connection is not reported slower than it is.
    public func rate(at now: SwarmInstant) -> Double {
        guard let firstRecordAt else { return 0 }
        let second = now.wholeSeconds
        var sum = 0
        for slot in 0..<windowSeconds where bucketSeconds[slot] <= second && bucketSeconds[slot] > second - Int64(windowSeconds) {
            sum &+= buckets[slot]
        }
        let windowStart = Double(second - Int64(windowSeconds) + 1)
        let start = max(windowStart, firstRecordAt.secondsSinceOrigin)
        let elapsed = max(now.secondsSinceOrigin - start, 1)
        return Double(sum) / elapsed
    }

    private static func slot(_ second: Int64, _ count: Int) -> Int {
        let remainder = Int(second % Int64(count))
        return remainder < 0 ? remainder + count : remainder
    }
}
