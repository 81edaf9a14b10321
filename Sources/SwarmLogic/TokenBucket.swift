/// A rate limit: tokens (bytes) flow in at `rate` per second up to `capacity`; sending or
/// requesting data spends them. Time is a parameter, so the bucket is a pure value.
public struct TokenBucket: Hashable, Sendable {
    /// Bytes per second.
    public var rate: Int
    /// Most bytes that may be spent at once after a quiet spell.
    public let capacity: Int
    private var tokens: Double
    private var updatedAt: SwarmInstant?

    /// A bucket for `rate` bytes per second; it starts full.
    public init(rate: Int, capacity: Int? = nil) {
        precondition(rate > 0, "a rate limit must be positive")
        self.rate = rate
        self.capacity = capacity ?? max(rate / 4, 32 * 1024)
        self.tokens = Double(self.capacity)
    }

    /// Spends `bytes` when the bucket holds them; returns whether it did.
    public mutating func take(_ bytes: Int, at now: SwarmInstant) -> Bool {
        refill(at: now)
        guard tokens >= Double(min(bytes, capacity)) else { return false }
        tokens -= Double(bytes)
        return true
    }

    /// How many whole units of `size` bytes may be spent now, up to `limit`; spends them.
    public mutating func takeUnits(of size: Int, upTo limit: Int, at now: SwarmInstant) -> Int {
        refill(at: now)
        guard size > 0, limit > 0 else { return 0 }
        let units = min(limit, max(0, Int(tokens) / size))
        tokens -= Double(units * size)
        return units
    }

    private mutating func refill(at now: SwarmInstant) {
        if let updatedAt {
            let elapsed = updatedAt.duration(to: now)
            let (seconds, attoseconds) = elapsed.components
            let added = (Double(seconds) + Double(attoseconds) / 1e18) * Double(rate)
            if added > 0 { tokens = min(Double(capacity), tokens + added) }
        }
        updatedAt = now
    }
}
