/// Decides which torrents may run when only so many may download, and so many seed, at once:
/// the ones earliest in the queue win, separately for downloads and seeds.
public enum QueueSlots {
    /// What a torrent would do if it were allowed to run.
    public enum Kind: Sendable {
        case download, seed
    }

    /// One torrent that wants a slot, in queue order (position 0 first).
    public struct Candidate<ID: Hashable>: Sendable where ID: Sendable {
        public var id: ID
        public var position: Int
        public var kind: Kind

        public init(id: ID, position: Int, kind: Kind) {
            self.id = id
            self.position = position
            self.kind = kind
        }
    }

    /// The candidates allowed to run; nil limits mean no limit.
    public static func active<ID>(_ candidates: [Candidate<ID>], maxDownloads: Int?, maxSeeds: Int?) -> Set<ID> {
        var downloads = 0
        var seeds = 0
        var active = Set<ID>()
        for candidate in candidates.sorted(by: { $0.position < $1.position }) {
            switch candidate.kind {
            case .download:
                guard downloads < (maxDownloads ?? .max) else { continue }
                downloads += 1
            case .seed:
                guard seeds < (maxSeeds ?? .max) else { continue }
                seeds += 1
            }
            active.insert(candidate.id)
        }
        return active
    }
}
