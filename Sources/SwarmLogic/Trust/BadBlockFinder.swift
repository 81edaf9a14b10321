import TorrentCore
import WireProtocol

/// Finds which blocks of a failed v2 piece were bad (BEP 52), so only their senders are blamed.
///
/// In v1 a piece that several peers sent and that fails its hash proves nothing until a good copy
/// arrives. In v2 the piece's leaf hashes (one per 16 KiB block) can be asked of any peer: they
/// must hash to the piece hash we already trust, so a peer cannot lie with them, and each block
/// whose SHA-256 differs convicts its sender at once. At most `maxPending` pieces wait for an
/// answer; one that is refused, unanswered after `timeout`, or from a peer that left is dropped
/// (the v1 way, a good copy, still applies).
public struct BadBlockFinder: Sendable {
    public static let maxPending = 8
    public static let timeout: Duration = .seconds(30)

    private struct Pending: Sendable {
        let piece: Int
        let request: HashRequest
        let data: [UInt8]
        let senders: [String?]
        let asked: PeerKey
        let since: SwarmInstant
    }

    private var pending: [Pending] = []

    public init() {}

    /// What an answer showed.
    public enum Verdict: Equatable, Sendable {
        /// The senders of the bad blocks (empty: every block matched, so the piece was not bad
        /// block by block — it cannot happen with honest hashes, and no one is blamed).
        case badSenders(Set<String>)
        /// The leaf hashes do not hash to the piece hash: the answering peer lied.
        case answerLied
        /// Not an answer to a pending question.
        case ignored
    }

    /// The hash request to send to `peer` for a failed `piece`, or nil when there is nothing to
    /// find (one block, one sender, a v1 torrent, or too many pieces pending already).
    public mutating func ask(about piece: Int, data: [UInt8], senders: [String?], info: TorrentInfo,
                             peer: PeerKey, now: SwarmInstant) -> HashRequest? {
        guard let v2 = info.v2, let root = v2.fileRoots[v2.position(ofPiece: piece).file] else { return nil }
        let place = v2.position(ofPiece: piece)
        guard place.leafWidth > 1, Set(senders.compactMap { $0 }).count > 1,
              pending.count < Self.maxPending, !pending.contains(where: { $0.piece == piece }),
              let request = HashRequest(piecesRoot: root, baseLayer: 0, index: place.pieceInFile * place.leafWidth,
                                        length: place.leafWidth, proofLayers: 0)
        else { return nil }
        pending.append(Pending(piece: piece, request: request, data: data, senders: senders, asked: peer, since: now))
        return request
    }

    /// A `hashes` answer from `peer`.
    public mutating func received(_ request: HashRequest, hashes: [UInt8], from peer: PeerKey,
                                  info: TorrentInfo) -> Verdict {
        guard let slot = pending.firstIndex(where: { $0.request == request && $0.asked == peer }),
              let v2 = info.v2 else { return .ignored }
        let question = pending.remove(at: slot)
        let leaves = Array(hashes.prefix(request.length * MerkleTree.hashSize))
        let bad = question.data.withUnsafeBytes { v2.badBlocks(piece: question.piece, data: $0, leaves: leaves) }
        guard let bad else { return .answerLied }
        // Leaves are 16 KiB blocks, as are the requests whose senders were recorded.
        return .badSenders(Set(bad.compactMap { $0 < question.senders.count ? question.senders[$0] : nil }))
    }

    /// A `hash reject`, a peer that left, or time passing: questions that can no longer be answered go.
    public mutating func rejected(_ request: HashRequest, by peer: PeerKey) {
        pending.removeAll { $0.request == request && $0.asked == peer }
    }

    public mutating func peerLeft(_ peer: PeerKey) {
        pending.removeAll { $0.asked == peer }
    }

    public mutating func expire(now: SwarmInstant) {
        pending.removeAll { $0.since.duration(to: now) >= Self.timeout }
    }

    /// Pieces waiting for leaf hashes.
    public var pendingCount: Int { pending.count }
}
