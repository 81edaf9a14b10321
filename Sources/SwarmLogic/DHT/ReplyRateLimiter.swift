/// Limits how many queries the DHT node answers, per source IP and in total, so nobody can use
/// it to amplify traffic towards a victim. Time is a parameter.
public struct ReplyRateLimiter: Sendable {
    public let perSourceRate: Int
    public let globalRate: Int
    /// Source addresses tracked at once; beyond it the oldest buckets are forgotten.
    public let maxSources: Int
    private var sources: [String: (bucket: TokenBucket, lastUsed: SwarmInstant)] = [:]
    private var global: TokenBucket

    public init(perSourceRate: Int = 20, globalRate: Int = 500, maxSources: Int = 4096) {
        self.perSourceRate = perSourceRate
        self.globalRate = globalRate
        self.maxSources = maxSources
        global = TokenBucket(rate: globalRate, capacity: globalRate)
    }

    /// Whether a query from `ip` may be answered now (spends one token when it may).
    public mutating func allow(from ip: String, at now: SwarmInstant) -> Bool {
        var entry = sources[ip] ?? (TokenBucket(rate: perSourceRate, capacity: perSourceRate * 2), now)
        guard entry.bucket.take(1, at: now) else {
            sources[ip] = (entry.bucket, now)
            return false
        }
        entry.lastUsed = now
        if sources[ip] == nil && sources.count >= maxSources { evictOldest() }
        sources[ip] = entry
        return global.take(1, at: now)
    }

    private mutating func evictOldest() {
        let sorted = sources.sorted { $0.value.lastUsed < $1.value.lastUsed }
        for (ip, _) in sorted.prefix(max(1, maxSources / 4)) { sources[ip] = nil }
    }
}
