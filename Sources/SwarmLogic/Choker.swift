/// Chooses which peers get our upload slots: a pure ranking the owner runs every choke round (10 s).
///
/// Only interested peers are ranked; an uninterested peer does not need a slot.
/// - Downloading (tit for tat): peers that are not snubbing us, fastest download from them first.
/// - Seeding (round robin): a peer unchoked less than `seedingHold` ago keeps its slot (fastest
///   upload first); then the peers we have waited longest to serve (never unchoked first, then the
///   oldest `lastUnchokedAt`), so every interested peer gets a turn. Ties go to the faster upload.
///
/// The optimistic slot is separate (`OptimisticUnchoke`); `slots` counts only regular slots.
public enum Choker {
    /// How long a seeding slot is kept before it rotates to a waiting peer.
    public static let defaultSeedingHold: Duration = .seconds(30)
    /// How long an unchoking peer may go without sending a block before it counts as snubbing us.
    public static let snubTimeout: Duration = .seconds(60)

    /// The peers to unchoke in regular slots, best first, at most `slots` of them.
    public static func rank(
        _ peers: [PeerSample], slots: Int, seeding: Bool, now: SwarmInstant,
        seedingHold: Duration = defaultSeedingHold
    ) -> [PeerKey] {
        guard slots > 0 else { return [] }
        let interested = peers.filter(\.isInterested)
        let ordered: [PeerSample]
        if seeding {
            ordered = interested.sorted { seedingOrder($0, $1, now: now, hold: seedingHold) }
        } else {
            ordered = interested.filter { !$0.isSnubbed }.sorted { a, b in
                if a.downloadRate != b.downloadRate { return a.downloadRate > b.downloadRate }
                if a.uploadRate != b.uploadRate { return a.uploadRate > b.uploadRate }
                return a.key < b.key
            }
        }
        return ordered.prefix(slots).map(\.key)
    }

    /// The choked, interested peers to unchoke now to use `free` idle regular slots between rounds
    /// (a peer became interested, lost interest or left): those `rank` puts first among the choked,
    /// so a slot never idles until the next round while a peer waits for it.
    public static func fillFreeSlots(
        _ peers: [PeerSample], free: Int, seeding: Bool, now: SwarmInstant,
        seedingHold: Duration = defaultSeedingHold
    ) -> [PeerKey] {
        rank(peers.filter { !$0.isUnchoked }, slots: free, seeding: seeding, now: now, seedingHold: seedingHold)
    }

    private static func seedingOrder(_ a: PeerSample, _ b: PeerSample, now: SwarmInstant, hold: Duration) -> Bool {
        let aHolds = holdsSlot(a, now: now, hold: hold)
        let bHolds = holdsSlot(b, now: now, hold: hold)
        if aHolds != bHolds { return aHolds }
        if !aHolds, a.lastUnchokedAt != b.lastUnchokedAt {
            guard let aTime = a.lastUnchokedAt else { return true }
            guard let bTime = b.lastUnchokedAt else { return false }
            return aTime < bTime
        }
        if a.uploadRate != b.uploadRate { return a.uploadRate > b.uploadRate }
        return a.key < b.key
    }

    private static func holdsSlot(_ peer: PeerSample, now: SwarmInstant, hold: Duration) -> Bool {
        guard peer.isUnchoked, let since = peer.lastUnchokedAt else { return false }
        return since.duration(to: now) < hold
    }

    /// True when a peer that unchoked us, and that we are interested in, has sent no block for
    /// `timeout`. `lastBlockAt` is the later of its last block and the moment it unchoked us.
    public static func isSnubbed(lastBlockAt: SwarmInstant, now: SwarmInstant, timeout: Duration = snubTimeout) -> Bool {
        lastBlockAt.duration(to: now) >= timeout
    }

    /// One choke round: the regular slots plus the optimistic slot, which `optimistic` rotates.
    public static func decide(
        _ peers: [PeerSample], slots: Int, seeding: Bool, optimistic: inout OptimisticUnchoke,
        now: SwarmInstant, using generator: inout some RandomNumberGenerator
    ) -> ChokeDecision {
        let regular = rank(peers, slots: slots, seeding: seeding, now: now)
        let extra = optimistic.update(peers, regular: Set(regular), now: now, using: &generator)
        return ChokeDecision(regular: regular, optimistic: extra)
    }
}

/// The outcome of a choke round: unchoke these, choke everyone else.
public struct ChokeDecision: Hashable, Sendable {
    /// Peers in regular slots, best first.
    public var regular: [PeerKey]
    /// The peer in the optimistic slot, if any peer is eligible.
    public var optimistic: PeerKey?

    public init(regular: [PeerKey], optimistic: PeerKey?) {
        self.regular = regular
        self.optimistic = optimistic
    }

    /// Every peer to unchoke.
    public var unchoked: Set<PeerKey> {
        var all = Set(regular)
        if let optimistic { all.insert(optimistic) }
        return all
    }
}
