/// The optimistic unchoke slot: one interested peer outside the regular slots, picked at random
/// and kept for `interval` (30 s), so new peers get a chance to show their speed.
public struct OptimisticUnchoke: Hashable, Sendable {
    /// The peer holding the slot.
    public private(set) var current: PeerKey?
    /// When `current` was chosen.
    public private(set) var chosenAt: SwarmInstant?
    /// How long one peer keeps the slot.
    public var interval: Duration

    public init(interval: Duration = .seconds(30)) {
        self.interval = interval
    }

    /// Keeps the current choice while it is still eligible and its time is not up; otherwise picks
    /// a random interested peer that is not in `regular` (preferring one other than the last choice).
    public mutating func update(
        _ peers: [PeerSample], regular: Set<PeerKey>, now: SwarmInstant,
        using generator: inout some RandomNumberGenerator
    ) -> PeerKey? {
        let eligible = peers.filter { $0.isInterested && !regular.contains($0.key) }.map(\.key).sorted()
        if let current, let chosenAt, eligible.contains(current), chosenAt.duration(to: now) < interval {
            return current
        }
        let fresh = eligible.filter { $0 != current }
        let pool = fresh.isEmpty ? eligible : fresh
        current = pool.randomElement(using: &generator)
        chosenAt = current == nil ? nil : now
        return current
    }
}
