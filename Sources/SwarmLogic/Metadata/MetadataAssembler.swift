import TorrentCore
import WireProtocol

/// Collects a torrent's info dictionary from peers in 16 KiB pieces (BEP 9) and checks it
/// against the info-hash. Pure: the caller sends the requests it returns and reports what came
/// back, with the time as a parameter.
///
/// Life of one attempt: the size comes from the first peer that announces a believable
/// `metadata_size`; pieces are handed out a few per peer; a peer that rejects, sends a piece of
/// the wrong size or disagrees about the size is skipped; a request unanswered for
/// `requestTimeout` goes back to the pool and its peer rests a while. When every piece is in,
/// the whole is hashed: a match ends the work, a mismatch discards it all and blames the senders
/// (one sender is skipped at once; after a mix of senders, the next attempt takes every piece
/// from one peer so the liar is found).
public struct MetadataAssembler: Sendable {
    public let infoHash: InfoHash
    /// The SHA-256 info-hash of a v2 link (BEP 52); the metadata must match it too.
    public let infoHashV2: InfoHashV2?
    /// Outstanding requests per peer.
    public var requestsPerPeer = 4
    /// How long a request may stay unanswered.
    public var requestTimeout: Duration = .seconds(10)
    /// How long a peer that let a request time out is left alone.
    public var restAfterTimeout: Duration = .seconds(30)

    /// The size being assembled and who told us, once known.
    public private(set) var totalSize: Int?
    private var sizeSource: PeerKey?
    private var pieces: [[UInt8]?] = []
    private var senders: [PeerKey?] = []
    private var requested: [Int: (peer: PeerKey, at: SwarmInstant)] = [:]
    /// Peers taking part, with the size they announced.
    private var peerSizes: [PeerKey: Int?] = [:]
    private var resting: [PeerKey: SwarmInstant] = [:]
    /// Peers never asked again (rejected, wrong size, sent bad data).
    public private(set) var skipped: Set<PeerKey> = []
    /// After a mismatch with several senders, the one peer that supplies the whole next attempt.
    private var singleSource = false
    private var singleSourcePeer: PeerKey?
    /// How many times the assembled dictionary did not match the info-hash.
    public private(set) var hashFailures = 0
    public private(set) var isComplete = false

    public init(infoHash: InfoHash, infoHashV2: InfoHashV2? = nil) {
        self.infoHash = infoHash
        self.infoHashV2 = infoHashV2
    }

    /// Pieces received so far, and how many there are (0 while the size is unknown).
    public var progress: (received: Int, total: Int) {
        (pieces.count { $0 != nil }, pieces.count)
    }

    /// Peers that may be asked for pieces.
    public var usablePeers: Int { peerSizes.keys.count { !skipped.contains($0) } }

    // MARK: - Peers

    /// A peer finished its extension handshake and speaks `ut_metadata`; `metadataSize` is what it announced.
    /// A peer whose size disagrees with the one being assembled is asked only if that one turns out wrong.
    /// Returns false when the peer is of no use (skipped before, or the work is done).
    @discardableResult
    public mutating func peerJoined(_ peer: PeerKey, metadataSize: Int?) -> Bool {
        guard !skipped.contains(peer), !isComplete else { return false }
        let size = metadataSize.flatMap { $0 > 0 && $0 <= MetadataMessage.maxTotalSize ? $0 : nil }
        peerSizes.updateValue(size, forKey: peer)
        if totalSize == nil, let size { adopt(size: size, from: peer) }
        return true
    }

    /// A peer went away: its requests go back to the pool.
    public mutating func peerLeft(_ peer: PeerKey) {
        peerSizes[peer] = nil
        resting[peer] = nil
        release(peer)
        if singleSourcePeer == peer { restartSingleSource() }
    }

    private mutating func adopt(size: Int, from peer: PeerKey) {
        totalSize = size
        sizeSource = peer
        let count = MetadataMessage.pieceCount(totalSize: size)
        pieces = Array(repeating: nil, count: count)
        senders = Array(repeating: nil, count: count)
        requested.removeAll()
    }

    private mutating func release(_ peer: PeerKey) {
        for (piece, request) in requested where request.peer == peer { requested[piece] = nil }
    }

    // MARK: - Requests

    /// The pieces to ask `peer` for now (possibly none).
    public mutating func nextRequests(for peer: PeerKey, now: SwarmInstant) -> [Int] {
        guard !isComplete, let totalSize, let announced = peerSizes[peer], !skipped.contains(peer) else { return [] }
        // A peer that announced no size may still serve; one that announced another size may not.
        if let announced, announced != totalSize { return [] }
        if let until = resting[peer] {
            if now < until { return [] }
            resting[peer] = nil
        }
        if singleSource {
            if singleSourcePeer == nil { singleSourcePeer = peer }
            guard singleSourcePeer == peer else { return [] }
        }
        // Share the pieces among the peers that can serve them now, so one slow peer does not hold them all.
        let serving = peerSizes.count { key, size in
            !skipped.contains(key) && (size == nil || size == totalSize) && (resting[key].map { now >= $0 } ?? true)
        }
        let share = (pieces.count + max(1, serving) - 1) / max(1, serving)
        var room = min(requestsPerPeer, max(1, share)) - requested.values.count { $0.peer == peer }
        var out: [Int] = []
        for piece in pieces.indices where room > 0 && pieces[piece] == nil && requested[piece] == nil {
            requested[piece] = (peer, now)
            out.append(piece)
            room -= 1
        }
        return out
    }

    /// Requests unanswered for too long go back to the pool; their peers rest. Returns those peers.
    public mutating func expireRequests(now: SwarmInstant) -> [PeerKey] {
        var late: Set<PeerKey> = []
        for (piece, request) in requested where request.at.duration(to: now) >= requestTimeout {
            requested[piece] = nil
            late.insert(request.peer)
        }
        for peer in late {
            resting[peer] = now.advanced(by: restAfterTimeout)
            release(peer)
            if singleSourcePeer == peer { restartSingleSource() }
        }
        return late.sorted()
    }

    // MARK: - Answers

    /// The peer refused a piece: it is not asked again.
    public mutating func rejected(piece: Int, by peer: PeerKey) {
        skip(peer)
    }

    /// A piece arrived. The message decoder has already checked the length against `totalSize`.
    public mutating func received(piece: Int, totalSize claimed: Int, data: [UInt8], from peer: PeerKey)
        -> MetadataArrival
    {
        guard !isComplete, let totalSize else { return .unexpected }
        guard claimed == totalSize,
              piece >= 0, piece < pieces.count,
              data.count == MetadataMessage.length(ofPiece: piece, totalSize: totalSize)
        else {
            skip(peer)
            return .peerSkipped
        }
        guard let request = requested[piece], request.peer == peer else { return .unexpected }
        requested[piece] = nil
        pieces[piece] = data
        senders[piece] = peer
        guard pieces.allSatisfy({ $0 != nil }) else { return .stored }

        var whole: [UInt8] = []
        whole.reserveCapacity(totalSize)
        for part in pieces { whole += part ?? [] }
        // A v2-only link names the SHA-256 hash (the wire hash is only its first 20 bytes); a
        // hybrid link names both, and both must match.
        let v1Matches = infoHashV2.map { $0.truncated == infoHash } ?? false || InfoHash(hashingInfo: whole) == infoHash
        if v1Matches, infoHashV2.map({ InfoHashV2(hashingInfo: whole) == $0 }) ?? true {
            isComplete = true
            requested.removeAll()
            return .complete(whole)
        }
        hashFailures += 1
        let contributors = Set(senders.compactMap { $0 })
        if contributors.count == 1, let liar = contributors.first {
            skip(liar)
            singleSource = false
            singleSourcePeer = nil
        } else {
            // Several senders: the next attempt takes everything from one of them.
            singleSource = true
            singleSourcePeer = nil
        }
        pieces = Array(repeating: nil, count: pieces.count)
        senders = Array(repeating: nil, count: pieces.count)
        requested.removeAll()
        return .hashMismatch(blamed: contributors.count == 1 ? contributors.sorted() : [])
    }

    private mutating func skip(_ peer: PeerKey) {
        skipped.insert(peer)
        release(peer)
        if singleSourcePeer == peer { restartSingleSource() }
        if sizeSource == peer {
            // The size came from a peer we no longer trust: take it again from another.
            totalSize = nil
            sizeSource = nil
            pieces = []
            senders = []
            requested.removeAll()
            if let other = peerSizes.first(where: { !skipped.contains($0.key) && $0.value != nil }),
               let size = other.value {
                adopt(size: size, from: other.key)
            }
        }
    }

    private mutating func restartSingleSource() {
        singleSourcePeer = nil
        pieces = Array(repeating: nil, count: pieces.count)
        senders = Array(repeating: nil, count: pieces.count)
        requested.removeAll()
    }
}

/// What happened to a metadata piece that arrived.
public enum MetadataArrival: Equatable, Sendable {
    /// Kept; more are due.
    case stored
    /// Not asked of this peer (late, duplicate, or before the size was known): ignored.
    case unexpected
    /// Its size or claimed total was wrong: the peer is skipped from now on.
    case peerSkipped
    /// The last piece: here is the verified info dictionary.
    case complete([UInt8])
    /// The whole did not match the info-hash and was discarded; `blamed` are peers now skipped.
    case hashMismatch(blamed: [PeerKey])
}
