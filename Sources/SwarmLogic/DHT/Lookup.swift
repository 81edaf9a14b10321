import TorrentCore
import WireProtocol

/// An iterative DHT lookup (BEP 5): ask up to `alpha` nodes at a time for nodes closer to
/// `target`, keep the `k` closest, and stop when the closest `k` have all answered, when no
/// query is left to send, or when a bound on queries or time is reached. Time is a parameter;
/// the caller sends the queries and reports answers and timeouts.
public struct Lookup: Sendable {
    public enum Status: Hashable, Sendable {
        case waiting, inFlight, answered, failed
    }

    /// A node met during the lookup.
    public struct Candidate: Hashable, Sendable {
        /// Nil for a bootstrap address whose id we do not know yet.
        public var id: NodeID?
        public var endpoint: PeerEndpoint
        public var status: Status
        /// The write token it gave (get_peers).
        public var token: [UInt8]?
    }

    public let target: NodeID
    public let alpha: Int
    public let k: Int
    public let maxQueries: Int
    public let maxDuration: Duration
    public let startedAt: SwarmInstant
    private(set) public var candidates: [Candidate] = []
    private(set) public var queriesSent = 0
    /// Most candidates kept; the farthest are dropped beyond it.
    private let maxCandidates: Int

    public init(target: NodeID, seeds: [CompactNode], bootstrap: [PeerEndpoint] = [], at now: SwarmInstant,
                alpha: Int = 3, k: Int = 8, maxQueries: Int = 64, maxDuration: Duration = .seconds(30)) {
        self.target = target
        self.alpha = alpha
        self.k = k
        self.maxQueries = maxQueries
        self.maxDuration = maxDuration
        self.startedAt = now
        self.maxCandidates = k * 8
        for node in seeds { insert(id: node.id, endpoint: node.endpoint) }
        for endpoint in bootstrap { insert(id: nil, endpoint: endpoint) }
    }

    private mutating func insert(id: NodeID?, endpoint: PeerEndpoint) {
        if let index = candidates.firstIndex(where: { $0.endpoint == endpoint }) {
            if candidates[index].id == nil { candidates[index].id = id }
            return
        }
        if let id, candidates.contains(where: { $0.id == id }) { return }
        candidates.append(Candidate(id: id, endpoint: endpoint, status: .waiting))
        sortCandidates()
        if candidates.count > maxCandidates {
            // Drop the farthest one that is not in flight.
            if let far = candidates.lastIndex(where: { $0.status != .inFlight }) { candidates.remove(at: far) }
        }
    }

    private mutating func sortCandidates() {
        let target = self.target
        candidates.sort { a, b in
            switch (a.id, b.id) {
            case let (x?, y?): x.distance(to: target) < y.distance(to: target)
            case (.some, nil): true
            default: false
            }
        }
    }

    /// The closest `k` candidates that have not failed.
    private var closestLive: ArraySlice<Candidate> {
        candidates.filter { $0.status != .failed }.prefix(k)
    }

    public var inFlight: Int { candidates.count { $0.status == .inFlight } }

    /// True when the lookup has nothing more to do.
    public func isFinished(at now: SwarmInstant) -> Bool {
        if startedAt.duration(to: now) >= maxDuration { return true }
        if inFlight == 0 && (queriesSent >= maxQueries || !closestLive.contains { $0.status == .waiting }) {
            return true
        }
        return closestLive.allSatisfy { $0.status == .answered } && !closestLive.isEmpty && inFlight == 0
    }

    /// The nodes to query now (marked in flight): the closest waiting ones, keeping at most
    /// `alpha` queries in flight.
    public mutating func nextQueries(at now: SwarmInstant) -> [PeerEndpoint] {
        guard !isFinished(at: now) else { return [] }
        var out: [PeerEndpoint] = []
        var running = inFlight
        let closest = Set(closestLive.map(\.endpoint))
        for index in candidates.indices where running < alpha && queriesSent < maxQueries {
            guard candidates[index].status == .waiting, closest.contains(candidates[index].endpoint) else { continue }
            candidates[index].status = .inFlight
            out.append(candidates[index].endpoint)
            running += 1
            queriesSent += 1
        }
        return out
    }

    /// Records an answer from `endpoint`: its id, the closer nodes it named, and its token.
    public mutating func answered(by endpoint: PeerEndpoint, id: NodeID, nodes: [CompactNode], token: [UInt8]?) {
        guard let index = candidates.firstIndex(where: { $0.endpoint == endpoint }),
              candidates[index].status == .inFlight else { return }
        candidates[index].status = .answered
        candidates[index].id = id
        candidates[index].token = token
        sortCandidates()
        for node in nodes where node.id != id { insert(id: node.id, endpoint: node.endpoint) }
    }

    /// Records that `endpoint` did not answer in time or answered with an error.
    public mutating func failed(_ endpoint: PeerEndpoint) {
        guard let index = candidates.firstIndex(where: { $0.endpoint == endpoint }),
              candidates[index].status == .inFlight else { return }
        candidates[index].status = .failed
    }

    /// The closest `k` nodes that answered, with their tokens: where to announce.
    public var closestAnswered: [Candidate] {
        Array(candidates.filter { $0.status == .answered && $0.id != nil }.prefix(k))
    }
}
