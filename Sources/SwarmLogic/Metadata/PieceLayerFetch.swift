import TorrentCore
import WireProtocol

/// Fetches the piece layers of a v2 torrent from peers (BEP 52), after its metadata came from a
/// magnet link: the layers sit outside the `info` dictionary, so ut_metadata does not carry them.
///
/// Each file longer than a piece needs its layer: one `hash request` for the whole layer (padded
/// to a power of two, so no proof hashes are needed), sent to one v2 peer at a time. An answer is
/// kept only if it hashes to the file's root; a peer whose answer does not is reported as a liar.
/// A refusal or silence for `timeout` moves the request to another peer.
public struct PieceLayerFetch: Sendable {
    /// The torrent, gaining piece layers as they arrive.
    public private(set) var info: TorrentInfo
    /// How long a peer may take to answer before another is asked.
    public static let timeout: Duration = .seconds(20)

    private struct Ask: Sendable {
        let peer: PeerKey
        let since: SwarmInstant
    }

    private var asked: [Int: Ask] = [:]
    private var refusedBy: [Int: Set<PeerKey>] = [:]

    /// nil for a torrent that needs no layers or has a file whose layer is larger than one request
    /// may carry (`HashRequest.maxLength` hashes).
    public init?(info: TorrentInfo) {
        guard let v2 = info.v2, !v2.filesNeedingLayers.isEmpty else { return nil }
        for file in v2.filesNeedingLayers
        where MerkleTree.nextPowerOfTwo(v2.pieceCount(ofFile: file)) > HashRequest.maxLength {
            return nil
        }
        self.info = info
    }

    /// What an answer did.
    public enum Outcome: Equatable, Sendable {
        /// A layer was stored.
        case stored
        /// The hashes do not hash to the file's root: the sender lied.
        case lied
        /// Not an answer to anything asked (late, duplicate, or for another layer).
        case ignored
    }

    /// The files whose layer is still missing.
    public var missingFiles: [Int] {
        guard let v2 = info.v2 else { return [] }
        return v2.filesNeedingLayers.filter { v2.pieceLayers[v2.fileRoots[$0]!] == nil }
    }

    /// The requests to send now, each to one of `peers` (those that speak v2), spread over them.
    public mutating func nextRequests(peers: Set<PeerKey>, now: SwarmInstant) -> [(PeerKey, HashRequest)] {
        guard let v2 = info.v2, !peers.isEmpty else { return [] }
        for (file, ask) in asked where ask.since.duration(to: now) >= Self.timeout || !peers.contains(ask.peer) {
            refusedBy[file, default: []].insert(ask.peer)
            asked[file] = nil
        }
        var load: [PeerKey: Int] = [:]
        for ask in asked.values { load[ask.peer, default: 0] += 1 }
        var out: [(PeerKey, HashRequest)] = []
        for file in missingFiles where asked[file] == nil {
            var candidates = peers.subtracting(refusedBy[file] ?? [])
            if candidates.isEmpty {
                // Everyone refused or timed out: start over with all of them.
                refusedBy[file] = nil
                candidates = peers
            }
            let peer = candidates.min { (load[$0] ?? 0, $0) < (load[$1] ?? 0, $1) }!
            guard let request = HashRequest(piecesRoot: v2.fileRoots[file]!, baseLayer: v2.pieceLayerHeight, index: 0,
                                            length: MerkleTree.nextPowerOfTwo(v2.pieceCount(ofFile: file)),
                                            proofLayers: 0) else { continue }
            asked[file] = Ask(peer: peer, since: now)
            load[peer, default: 0] += 1
            out.append((peer, request))
        }
        return out
    }

    /// A `hashes` message from `peer`.
    public mutating func received(_ request: HashRequest, hashes: [UInt8], from peer: PeerKey) -> Outcome {
        guard let v2 = info.v2, let file = v2.file(withRoot: request.piecesRoot), asked[file]?.peer == peer,
              request.baseLayer == v2.pieceLayerHeight, request.index == 0 else { return .ignored }
        asked[file] = nil
        let count = v2.pieceCount(ofFile: file)
        guard hashes.count >= count * MerkleTree.hashSize else {
            refusedBy[file, default: []].insert(peer)
            return .lied
        }
        let layer = Array(hashes.prefix(count * MerkleTree.hashSize))
        do {
            info = try info.withPieceLayers([request.piecesRoot: layer])
        } catch {
            refusedBy[file, default: []].insert(peer)
            return .lied
        }
        return .stored
    }

    /// A `hash reject` from `peer`: ask someone else.
    public mutating func rejected(_ request: HashRequest, by peer: PeerKey) {
        guard let file = info.v2?.file(withRoot: request.piecesRoot), asked[file]?.peer == peer else { return }
        asked[file] = nil
        refusedBy[file, default: []].insert(peer)
    }

    /// The peer disconnected: what it was asked goes to others.
    public mutating func peerLeft(_ peer: PeerKey) {
        for (file, ask) in asked where ask.peer == peer { asked[file] = nil }
    }
}
