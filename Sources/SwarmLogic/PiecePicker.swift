import TorrentCore
import WireProtocol

/// Decides which blocks to request from which peer, and tracks every block's state.
///
/// Pure: peers are opaque `PeerKey`s, time and randomness are parameters. The order of preference:
/// blocks of partly downloaded pieces, then higher priority, then rarest first with a random
/// tie-break (random among wanted pieces while we have fewer than `initialRandomPieces`; in
/// `sequential` mode the first and last piece of each wanted file early, then lowest index first). When every missing block is already requested the picker
/// enters endgame and hands out the same block to more than one peer.
///
/// Invariant: each block is in exactly one state — missing, requested (by whom, since when),
/// received, or written — and a piece is `have` only after the caller verified its hash.
public struct PiecePicker: Sendable {
    /// The block size every client uses (BEP 3 recommends 2^14).
    public static let defaultBlockSize = 16 << 10

    public let pieceCount: Int
    public let pieceLength: Int
    public let totalLength: Int
    public let blockSize: Int

    /// Pieces we have and verified.
    public internal(set) var have: Bitfield
    /// Per-piece priority; `skip` pieces are never requested.
    public internal(set) var priorities: [PiecePriority]

    /// Pick for streaming instead of rarest first: the first and last piece of each wanted file
    /// early (players read an index at the end of the file), then lowest index first.
    public var sequential = false
    /// The first and last piece of each wanted file (the whole torrent until file priorities are set).
    public internal(set) var fileEdgePieces: Set<Int>
    /// While we have fewer pieces than this, fresh pieces are picked at random rather than rarest
    /// first, so the first complete pieces come quickly and are ones others are likely to want.
    public var initialRandomPieces = 4
    /// How many peers may be asked for the same block during endgame.
    public var maxRequestersPerBlockInEndgame = 2

    // MARK: Availability

    /// How many peers with a partial bitfield have each piece.
    var partialPeerCounts: [Int]
    /// Peers that have everything; counted once instead of per piece.
    var seedCount = 0
    /// What each known peer has, so its counts can be taken back when it leaves.
    var peerPieces: [PeerKey: PeerPieces] = [:]

    enum PeerPieces: Sendable {
        case seed
        case partial(Bitfield)
    }

    // MARK: Blocks

    /// Pieces with at least one block that is not missing.
    var downloads: [Int: PieceDownload] = [:]
    /// Each peer's outstanding requests.
    var requestsByPeer: [PeerKey: Set<BlockRequest>] = [:]

    struct PieceDownload: Sendable {
        var blocks: [BlockState]

        init(blockCount: Int) {
            blocks = Array(repeating: .missing, count: blockCount)
        }

        var isUntouched: Bool { blocks.allSatisfy { $0 == .missing } }
        var hasMissingBlock: Bool { blocks.contains(.missing) }
        var missingCount: Int { blocks.count { $0 == .missing } }
        var isFullyWritten: Bool { blocks.allSatisfy { if case .written = $0 { true } else { false } } }
        var isFullyReceived: Bool {
            blocks.allSatisfy {
                switch $0 {
                case .received, .written: true
                case .missing, .requested: false
                }
            }
        }
    }

    enum BlockState: Hashable, Sendable {
        case missing
        case requested([Requester])
        case received(from: PeerKey)
        case written(from: PeerKey)
    }

    struct Requester: Hashable, Sendable {
        var peer: PeerKey
        var since: SwarmInstant
    }

    // MARK: - Set-up

    /// A picker for a torrent of `totalLength` bytes cut into pieces of `pieceLength`, wanting every piece.
    public init(totalLength: Int, pieceLength: Int, blockSize: Int = PiecePicker.defaultBlockSize) {
        precondition(totalLength >= 0 && pieceLength > 0 && blockSize > 0)
        self.totalLength = totalLength
        self.pieceLength = pieceLength
        self.blockSize = blockSize
        self.pieceCount = totalLength == 0 ? 0 : (totalLength - 1) / pieceLength + 1
        self.have = Bitfield(count: pieceCount)
        self.priorities = Array(repeating: .normal, count: pieceCount)
        self.partialPeerCounts = Array(repeating: 0, count: pieceCount)
        self.fileEdgePieces = pieceCount == 0 ? [] : [0, pieceCount - 1]
    }

    /// A picker for the pieces of `layout`.
    public init(layout: FileLayout, blockSize: Int = PiecePicker.defaultBlockSize) {
        self.init(totalLength: layout.totalLength, pieceLength: layout.pieceLength, blockSize: blockSize)
    }

    // MARK: - Geometry

    /// Bytes in `piece`: `pieceLength`, except perhaps for the last piece.
    public func size(ofPiece piece: PieceIndex) -> Int {
        size(ofPiece: piece.value)
    }

    /// Number of blocks in `piece`.
    public func blockCount(ofPiece piece: PieceIndex) -> Int {
        blockCount(ofPiece: piece.value)
    }

    func size(ofPiece piece: Int) -> Int {
        min(pieceLength, totalLength - piece * pieceLength)
    }

    func blockCount(ofPiece piece: Int) -> Int {
        (size(ofPiece: piece) + blockSize - 1) / blockSize
    }

    /// The request for block `block` of `piece`.
    func request(piece: Int, block: Int) -> BlockRequest {
        let offset = block * blockSize
        return BlockRequest(
            piece: PieceIndex(checked: piece), offset: offset, length: min(blockSize, size(ofPiece: piece) - offset))
    }

    /// The block index `request` names, or nil when it is not exactly one of our blocks.
    func blockIndex(of request: BlockRequest) -> Int? {
        let piece = request.piece.value
        guard piece < pieceCount, request.offset >= 0, request.offset % blockSize == 0 else { return nil }
        let block = request.offset / blockSize
        guard block < blockCount(ofPiece: piece), request.length == self.request(piece: piece, block: block).length else {
            return nil
        }
        return block
    }

    // MARK: - Progress

    /// Pieces we still want and do not have.
    public var wantedRemainingPieces: Int {
        (0..<pieceCount).count { priorities[$0].isWanted && !have[$0] }
    }

    /// Bytes of wanted pieces we do not have yet.
    public var wantedRemainingBytes: Int {
        (0..<pieceCount).reduce(0) { sum, piece in
            priorities[piece].isWanted && !have[piece] ? sum + size(ofPiece: piece) : sum
        }
    }

    /// True when every wanted piece is verified (a torrent with all files skipped is complete).
    public var isComplete: Bool {
        var complete = true
        forEachWantedMissingPiece { _ in
            complete = false
            return false
        }
        return complete
    }

    /// Calls `body` with each wanted piece we lack, in order, until it returns false. Whole bytes of
    /// pieces we have are skipped: this is asked after every verified piece, mostly near the end.
    private func forEachWantedMissingPiece(_ body: (Int) -> Bool) {
        let had = have.bytes
        for byteIndex in had.indices where had[byteIndex] != 0xFF {
            for piece in byteIndex * 8..<min(pieceCount, byteIndex * 8 + 8)
            where priorities[piece].isWanted && !have[piece] {
                guard body(piece) else { return }
            }
        }
    }

    /// True when every block still missing from a wanted piece is already requested from someone,
    /// so new requests duplicate existing ones.
    public var isInEndgame: Bool {
        var anythingLeft = false
        var everyBlockAsked = true
        forEachWantedMissingPiece { piece in
            guard let download = downloads[piece], !download.hasMissingBlock else {
                everyBlockAsked = false
                return false
            }
            if !download.isFullyReceived { anythingLeft = true }
            return true
        }
        return everyBlockAsked && anythingLeft
    }

    /// Requests currently outstanding at `peer`.
    public func outstandingRequests(of peer: PeerKey) -> Set<BlockRequest> {
        requestsByPeer[peer] ?? []
    }

    /// True when `block` is one of our outstanding requests at `peer`.
    public func hasRequest(_ block: BlockRequest, from peer: PeerKey) -> Bool {
        requestsByPeer[peer]?.contains(block) ?? false
    }

    /// How many requests are outstanding at `peer` (without copying them).
    public func outstandingCount(of peer: PeerKey) -> Int {
        requestsByPeer[peer]?.count ?? 0
    }

    /// Pieces with some block requested or received but not yet verified.
    public var piecesInFlight: [PieceIndex] {
        downloads.keys.sorted().map(PieceIndex.init(checked:))
    }
}
