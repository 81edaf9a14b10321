/// The order in which to try a torrent's trackers (BEP 12).
///
/// Each tier is shuffled once at the start. An announce round tries the trackers of the first
/// tier in order, then the next tier, until one answers; the one that answered moves to the
/// front of its tier, and the next round starts again from the first tier.
public struct TrackerTiers: Hashable, Sendable {
    /// Where the next attempt goes.
    public struct Position: Hashable, Sendable {
        public var tier: Int
        public var index: Int
    }

    /// What to do after a tracker failed.
    public enum AfterFailure: Hashable, Sendable {
        /// Try this tracker next, in the same round.
        case tryNext(String)
        /// Every tracker failed in this round; wait (back off) before the next round.
        case roundFailed
    }

    /// The trackers in their current order; no tier is empty and no URL appears twice.
    public private(set) var tiers: [[String]]
    /// The tracker to try next.
    public private(set) var position: Position

    /// Shuffles each tier with `generator`, dropping empty URLs, duplicates, and empty tiers.
    public init(tiers: [[String]], using generator: inout some RandomNumberGenerator) {
        var seen: Set<String> = []
        var kept: [[String]] = []
        for tier in tiers {
            var urls = tier.filter { !$0.isEmpty && seen.insert($0).inserted }
            guard !urls.isEmpty else { continue }
            urls.shuffle(using: &generator)
            kept.append(urls)
        }
        self.tiers = kept
        self.position = Position(tier: 0, index: 0)
    }

    /// Whether there is any tracker at all.
    public var isEmpty: Bool { tiers.isEmpty }

    /// Every tracker, first tier first.
    public var allTrackers: [String] { tiers.flatMap { $0 } }

    /// The tracker to announce to now; nil when there are no trackers.
    public var current: String? {
        guard position.tier < tiers.count else { return nil }
        return tiers[position.tier][position.index]
    }

    /// The current tracker answered: it moves to the front of its tier, and the next round
    /// starts from the first tier.
    public mutating func currentSucceeded() {
        guard position.tier < tiers.count else { return }
        let url = tiers[position.tier].remove(at: position.index)
        tiers[position.tier].insert(url, at: 0)
        position = Position(tier: 0, index: 0)
    }

    /// The current tracker failed: move on to the next one in its tier, then the next tier.
    public mutating func currentFailed() -> AfterFailure {
        guard position.tier < tiers.count else { return .roundFailed }
        if position.index + 1 < tiers[position.tier].count {
            position.index += 1
        } else if position.tier + 1 < tiers.count {
            position = Position(tier: position.tier + 1, index: 0)
        } else {
            position = Position(tier: 0, index: 0)
            return .roundFailed
        }
        return current.map(AfterFailure.tryNext) ?? .roundFailed
    }

    /// Starts the next round from the first tier (e.g. for a `stopped` or `completed` announce).
    public mutating func restartRound() {
        position = Position(tier: 0, index: 0)
    }
}
