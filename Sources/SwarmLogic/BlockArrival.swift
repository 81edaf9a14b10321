/// What the picker makes of a block that arrived, and so what the caller does with the data.
public enum BlockArrival: Hashable, Sendable {
    /// We asked this peer for the block and still needed it: store it. In endgame the same block
    /// was also asked of `cancelFrom`; send them `cancel`.
    case expected(cancelFrom: [PeerKey])
    /// We still needed the block but no longer had a request out to this peer (it arrived after a
    /// timeout, a cancel or a choke): store it, and cancel it at `cancelFrom`.
    case lateAfterCancel(cancelFrom: [PeerKey])
    /// Another peer's copy already arrived, or the piece is verified: drop the data.
    case duplicate
    /// Not a block we would ever ask for (bad offset or length, a piece out of range or skipped):
    /// drop the data and count it against the peer.
    case unexpected

    /// True when the caller should write the data.
    public var shouldStore: Bool {
        switch self {
        case .expected, .lateAfterCancel: true
        case .duplicate, .unexpected: false
        }
    }

    /// Peers whose request for the same block is now pointless.
    public var cancelFrom: [PeerKey] {
        switch self {
        case .expected(let peers), .lateAfterCancel(let peers): peers
        case .duplicate, .unexpected: []
        }
    }
}

/// Whether a piece's blocks are all on disk, after `PiecePicker.blockWritten(_:)`.
public enum PieceProgress: Hashable, Sendable {
    /// Blocks are still missing, requested or waiting for the disk.
    case inProgress
    /// Every block is written: hash the piece, then call `pieceVerified` or `pieceFailed`.
    case readyToVerify
}
