/// Trust per peer address (host string): credited for pieces that verify, struck for bad data,
/// and banned for this session once the score falls to `banThreshold`.
///
/// A piece from one sender that fails its hash proves that sender wrong (strike 2). A piece
/// from several senders proves nothing yet, so its bad copy is kept; when a good copy verifies,
/// each block that differs convicts its sender (strike 3) and the innocent co-senders go free.
/// With the defaults a lone liar is banned after three bad pieces, a convicted one after two.
///
/// Memory is bounded: at most `maxFailedCopies` bad copies (the oldest goes first, so a piece
/// that is never fetched again cannot hold a slot for ever) and at most `maxTrackedHosts`
/// scores (a neutral or trusted entry goes first). Bans are never forgotten.
public struct PeerTrust: Sendable {
    /// A copy of a piece that failed its hash, with who sent each block.
    private struct FailedCopy: Sendable {
        var piece: Int
        var data: [UInt8]
        var senders: [String?]
    }

    public let banThreshold: Int
    public let maxTrust: Int
    public let maxFailedCopies: Int
    public let maxTrackedHosts: Int

    /// Addresses not to talk to again this session.
    public private(set) var banned: Set<String> = []
    private var scores: [String: Int] = [:]
    /// Oldest first.
    private var failedCopies: [FailedCopy] = []

    public init(banThreshold: Int = -6, maxTrust: Int = 8, maxFailedCopies: Int = 16, maxTrackedHosts: Int = 10_000) {
        precondition(banThreshold < 0, "a ban threshold of \(banThreshold) would ban peers that did nothing wrong")
        precondition(maxTrust >= 0 && maxFailedCopies >= 0 && maxTrackedHosts > 0, "negative or zero bounds")
        self.banThreshold = banThreshold
        self.maxTrust = maxTrust
        self.maxFailedCopies = maxFailedCopies
        self.maxTrackedHosts = maxTrackedHosts
    }

    public func isBanned(_ host: String) -> Bool { banned.contains(host) }

    /// The host's current score: 0 for one never seen (or forgotten while neutral or trusted).
    public func score(of host: String) -> Int {
        scores[host] ?? (banned.contains(host) ? banThreshold : 0)
    }

    /// Bad copies kept, waiting for a good copy of their piece.
    public var failedCopyCount: Int { failedCopies.count }

    // MARK: - Pieces

    /// A piece failed its hash. `senders[i]` sent block i (nil: unknown). One sender → strike it by 2.
    /// Several → keep the bad copy (at most maxFailedCopies) to convict the liars when a good copy arrives.
    /// Returns hosts banned by this call.
    public mutating func pieceFailed(_ piece: Int, data: [UInt8], senders: [String?]) -> Set<String> {
        let hosts = Set(senders.compactMap { $0 })
        if hosts.count == 1, let host = hosts.first {
            return strike(host, by: 2) ? [host] : []
        }
        // No known sender convicts nobody; several are sorted out when a good copy verifies.
        guard hosts.count > 1, maxFailedCopies > 0 else { return [] }
        if failedCopies.count >= maxFailedCopies { failedCopies.removeFirst() }
        failedCopies.append(FailedCopy(piece: piece, data: data, senders: senders))
        return []
    }

    /// A piece verified: +1 (capped at maxTrust) for each contributor; if a bad copy was kept, every
    /// block that differs strikes its sender by 3. Returns hosts banned by this call.
    public mutating func pieceVerified(
        _ piece: Int, data: [UInt8], contributors: Set<String>, blockSize: Int
    ) -> Set<String> {
        var newlyBanned: Set<String> = []
        // Convict first: a liar's credit for this good copy must not save it from the ban.
        let copies = failedCopies.filter { $0.piece == piece }
        failedCopies.removeAll { $0.piece == piece }
        for copy in copies {
            for host in Self.liars(in: copy, good: data, blockSize: blockSize) where strike(host, by: 3) {
                newlyBanned.insert(host)
            }
        }
        for host in contributors where !banned.contains(host) {
            let score = scores[host] ?? 0
            guard score < maxTrust else { continue }
            record(min(maxTrust, score + 1), for: host)
        }
        return newlyBanned
    }

    /// The senders of blocks that differ from the good copy.
    private static func liars(in copy: FailedCopy, good: [UInt8], blockSize: Int) -> Set<String> {
        guard blockSize > 0 else { return [] }
        let length = min(good.count, copy.data.count)
        var liars: Set<String> = []
        for (block, sender) in copy.senders.enumerated() {
            guard let sender, block * blockSize < length else { continue }
            let range = block * blockSize..<min(length, (block + 1) * blockSize)
            if !copy.data[range].elementsEqual(good[range]) { liars.insert(sender) }
        }
        return liars
    }

    // MARK: - Strikes

    /// Protocol misbehaviour (e.g. unrequested data). Returns true when this banned the host.
    @discardableResult
    public mutating func strike(_ host: String, by amount: Int) -> Bool {
        guard amount > 0 else { return false }
        let score = self.score(of: host) - amount
        record(score, for: host)
        guard score <= banThreshold, !banned.contains(host) else { return false }
        banned.insert(host)
        return true
    }

    /// Forget kept bad copies (after a recheck); bans and scores stay.
    public mutating func forgetFailedCopies() {
        failedCopies.removeAll()
    }

    // MARK: - Bounds

    /// Stores a score, first making room when a new host would exceed `maxTrackedHosts`: a neutral
    /// or trusted entry goes first, then the mildest suspect, and only then a banned host's score
    /// (its ban stays in `banned`).
    private mutating func record(_ score: Int, for host: String) {
        if scores[host] == nil, scores.count >= maxTrackedHosts {
            let banned = self.banned
            let unbanned = scores.lazy.filter { !banned.contains($0.key) }
            let victim = unbanned.first { $0.value >= 0 }?.key
                ?? unbanned.max { $0.value < $1.value }?.key
                ?? scores.first?.key
            if let victim { scores[victim] = nil }
        }
        scores[host] = score
    }
}
