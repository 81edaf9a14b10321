/// How many regular upload slots a torrent opens at a choke round.
///
/// With an upload rate limit the configured `base` count holds: the slots share the limit, and more
/// of them would only split it thinner. Without a limit the count follows the rate the slots
/// achieve (the idea of libtorrent's rate-based choker): peers are taken fastest upload first, and
/// the one at rank *n* (from 1) proves its slot when it gets at least *n* × `step` bytes per second,
/// so each further slot must carry more than the one before. One slot beyond the proven ones opens
/// to find out whether the link has room for another (at most one more per round, so the count
/// settles instead of overshooting); when the added slots only split the same rate the proofs fail
/// and the count falls back, never below `base` nor above `maximum`.
public struct UploadSlots: Hashable, Sendable {
    /// The configured slots: the count with a limit, and the least without one.
    public var base: Int
    /// Never more regular slots than this.
    public var maximum: Int
    /// Bytes per second the first slot must reach to count as used well; the n-th needs n times this.
    public var step: Double

    public init(base: Int, maximum: Int = 64, step: Double = 256 * 1024) {
        self.base = max(0, base)
        self.maximum = max(self.base, maximum)
        self.step = step
    }

    /// The regular slots for the next round, given the `current` count, what each connected peer
    /// gets from us now (bytes per second, any order) and whether an upload rate limit applies.
    public func count(current: Int, uploadRates: [Double], limited: Bool) -> Int {
        guard !limited, base > 0 else { return base }
        var proven = 0
        for (rank, rate) in uploadRates.sorted(by: >).enumerated() {
            guard rate >= Double(rank + 1) * step else { break }
            proven = rank + 1
        }
        return min(maximum, max(base, min(proven + 1, current + 1)))
    }
}
