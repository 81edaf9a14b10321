import TorrentCore
import WireProtocol

/// The DHT routing table of BEP 5: buckets of at most k = 8 nodes, each covering a range of the
/// id space; only the bucket whose range holds our own id splits. Time is a parameter.
///
/// Bucket `i` (for every bucket but the last) holds the nodes sharing exactly `i` leading bits
/// with our id; the last bucket holds every node sharing at least `buckets.count - 1` bits.
public struct RoutingTable: Sendable {
    /// One node in the table.
    public struct Entry: Hashable, Sendable {
        public var node: CompactNode
        /// When it last answered one of our queries.
        public var lastResponse: SwarmInstant?
        /// When it last sent us a query.
        public var lastQuery: SwarmInstant?
        /// Queries in a row it did not answer.
        public var failures = 0
        /// Set when we have asked it for a ping to decide whether it stays.
        public var pinged = false

        public func state(at now: SwarmInstant, goodFor: Duration, maxFailures: Int) -> DHTNodeState {
            if failures >= maxFailures { return .bad }
            if let lastResponse {
                if lastResponse.duration(to: now) < goodFor { return .good }
                if let lastQuery, lastQuery.duration(to: now) < goodFor { return .good }
            }
            return .questionable
        }
    }

    struct Bucket: Sendable {
        var entries: [Entry] = []
        /// Nodes waiting for a place, newest last.
        var replacements: [Entry] = []
        var lastChanged: SwarmInstant
    }

    /// What `heard(from:…)` did with a node.
    public enum Outcome: Equatable, Sendable {
        case added
        case updated
        /// The bucket is full: the node waits in the replacement cache; ping these questionable
        /// nodes, and the newcomer takes the place of one that then fails.
        case cached(ping: [CompactNode])
        /// Our own id, an id clashing with another address, or a full cache.
        case ignored
    }

    public let ownID: NodeID
    public let bucketSize: Int
    public let replacementCacheSize: Int
    /// Silence after which a node is questionable and a bucket needs a refresh.
    public let goodFor: Duration
    /// Missed answers after which a node is bad.
    public let maxFailures: Int
    private(set) var buckets: [Bucket]

    public init(ownID: NodeID, bucketSize: Int = 8, replacementCacheSize: Int = 8,
                goodFor: Duration = .seconds(15 * 60), maxFailures: Int = 3, now: SwarmInstant) {
        self.ownID = ownID
        self.bucketSize = bucketSize
        self.replacementCacheSize = replacementCacheSize
        self.goodFor = goodFor
        self.maxFailures = maxFailures
        buckets = [Bucket(lastChanged: now)]
    }

    /// Buckets in the table (1 to 160).
    public var bucketCount: Int { buckets.count }

    /// Every node, bucket by bucket.
    public var entries: [Entry] { buckets.flatMap(\.entries) }

    public var count: Int { buckets.reduce(0) { $0 + $1.entries.count } }

    public func goodCount(at now: SwarmInstant) -> Int {
        buckets.reduce(0) { sum, bucket in
            sum + bucket.entries.count { $0.state(at: now, goodFor: goodFor, maxFailures: maxFailures) == .good }
        }
    }

    /// The entry for `id`, if it is in the table.
    public func entry(for id: NodeID) -> Entry? {
        buckets[bucketIndex(for: id)].entries.first { $0.node.id == id }
    }

    func bucketIndex(for id: NodeID) -> Int {
        min(ownID.commonPrefixLength(with: id), buckets.count - 1)
    }

    // MARK: - Learning about nodes

    /// Records that `node` answered our query (`.response`) or queried us (`.query`).
    public mutating func heard(from node: CompactNode, kind: Contact, at now: SwarmInstant) -> Outcome {
        guard node.id != ownID else { return .ignored }
        var index = bucketIndex(for: node.id)
        if let position = buckets[index].entries.firstIndex(where: { $0.node.id == node.id }) {
            // A known id from a new address is ignored: ids are not proof of anything.
            guard buckets[index].entries[position].node.endpoint == node.endpoint else { return .ignored }
            record(kind, in: &buckets[index].entries[position], at: now)
            if kind == .response { buckets[index].lastChanged = now }
            return .updated
        }
        if buckets.contains(where: { $0.entries.contains { $0.node.endpoint == node.endpoint } }) { return .ignored }
        var fresh = Entry(node: node)
        record(kind, in: &fresh, at: now)
        while true {
            if buckets[index].entries.count < bucketSize {
                buckets[index].entries.append(fresh)
                buckets[index].replacements.removeAll { $0.node.id == node.id }
                buckets[index].lastChanged = now
                return .added
            }
            if let bad = buckets[index].entries.firstIndex(where: { state($0, now) == .bad }) {
                buckets[index].entries[bad] = fresh
                buckets[index].lastChanged = now
                return .added
            }
            guard index == buckets.count - 1, buckets.count < NodeID.length * 8 else { break }
            split()
            index = bucketIndex(for: node.id)
        }
        // Full and cannot split: wait in the cache, and check the questionable nodes.
        var bucket = buckets[index]
        bucket.replacements.removeAll { $0.node.id == node.id || $0.node.endpoint == node.endpoint }
        if bucket.replacements.count >= replacementCacheSize { bucket.replacements.removeFirst() }
        bucket.replacements.append(fresh)
        var toPing: [CompactNode] = []
        for position in bucket.entries.indices where state(bucket.entries[position], now) == .questionable {
            if !bucket.entries[position].pinged {
                bucket.entries[position].pinged = true
                toPing.append(bucket.entries[position].node)
            }
        }
        buckets[index] = bucket
        return .cached(ping: toPing)
    }

    /// Whether a contact was an answer to our query or a query from the node.
    public enum Contact: Sendable {
        case response, query
    }

    /// Records that a query to the node at `endpoint` went unanswered; a node that turns bad is
    /// replaced by the newest node of its bucket's replacement cache.
    public mutating func failed(_ endpoint: PeerEndpoint, at now: SwarmInstant) {
        for index in buckets.indices {
            guard let position = buckets[index].entries.firstIndex(where: { $0.node.endpoint == endpoint }) else {
                continue
            }
            let wasEvictionPing = buckets[index].entries[position].pinged
            buckets[index].entries[position].failures += 1
            buckets[index].entries[position].pinged = false
            // A bad node goes, and so does a questionable one that missed the ping sent to decide
            // whether a waiting node should take its place.
            let evict = state(buckets[index].entries[position], now) == .bad
                || (wasEvictionPing && buckets[index].entries[position].lastResponse.map { $0.duration(to: now) >= goodFor } ?? true)
            if evict, let replacement = buckets[index].replacements.popLast() {
                buckets[index].entries[position] = replacement
                buckets[index].lastChanged = now
            }
            return
        }
    }

    private func state(_ entry: Entry, _ now: SwarmInstant) -> DHTNodeState {
        entry.state(at: now, goodFor: goodFor, maxFailures: maxFailures)
    }

    private func record(_ kind: Contact, in entry: inout Entry, at now: SwarmInstant) {
        switch kind {
        case .response:
            entry.lastResponse = now
            entry.failures = 0
            entry.pinged = false
        case .query:
            entry.lastQuery = now
        }
    }

    /// Splits the last bucket (the one holding our id) in two.
    private mutating func split() {
        let depth = buckets.count - 1
        var last = buckets.removeLast()
        var near = Bucket(lastChanged: last.lastChanged)
        let isNear: (Entry) -> Bool = { ownID.commonPrefixLength(with: $0.node.id) > depth }
        near.entries = last.entries.filter(isNear)
        near.replacements = last.replacements.filter(isNear)
        last.entries.removeAll(where: isNear)
        last.replacements.removeAll(where: isNear)
        buckets.append(last)
        buckets.append(near)
    }

    // MARK: - Answering and maintenance

    /// Up to `count` nodes closest to `target` that are not bad, closest first.
    public func closest(to target: NodeID, count: Int, at now: SwarmInstant) -> [CompactNode] {
        let candidates = buckets.flatMap(\.entries).filter { state($0, now) != .bad }.map(\.node)
        return Array(candidates.sorted { $0.id.distance(to: target) < $1.id.distance(to: target) }.prefix(count))
    }

    /// For each bucket unchanged for `goodFor`, a random id in its range to look up; marks them
    /// refreshed so the next call does not repeat them at once.
    public mutating func targetsToRefresh(at now: SwarmInstant, using generator: inout some RandomNumberGenerator)
        -> [NodeID]
    {
        var out: [NodeID] = []
        for index in buckets.indices where buckets[index].lastChanged.duration(to: now) >= goodFor {
            out.append(ownID.random(sharingPrefix: index, using: &generator))
            buckets[index].lastChanged = now
        }
        return out
    }

    /// Questionable nodes not yet pinged, to ping now (marked as pinged).
    public mutating func questionableToPing(at now: SwarmInstant, limit: Int) -> [CompactNode] {
        var out: [CompactNode] = []
        for index in buckets.indices {
            for position in buckets[index].entries.indices where out.count < limit {
                let entry = buckets[index].entries[position]
                if !entry.pinged && state(entry, now) == .questionable {
                    buckets[index].entries[position].pinged = true
                    out.append(entry.node)
                }
            }
        }
        return out
    }
}
