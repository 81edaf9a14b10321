import TorrentCore

extension PiecePicker {
    /// How many known peers have `piece`.
    public func availability(of piece: PieceIndex) -> Int {
        guard piece.value < pieceCount else { return 0 }
        return partialPeerCounts[piece.value] + seedCount
    }

    /// Records a `have` message. Indices past the end are ignored (the decoder refuses them first).
    public mutating func peerHas(_ peer: PeerKey, piece: PieceIndex) {
        guard piece.value < pieceCount else { return }
        switch peerPieces[peer] {
        case .seed:
            return
        case .partial(var pieces):
            guard !pieces[piece] else { return }
            pieces[piece] = true
            partialPeerCounts[piece.value] += 1
            peerPieces[peer] = .partial(pieces)
            if pieces.isComplete { promoteToSeed(peer, pieces) }
        case nil:
            var pieces = Bitfield(count: pieceCount)
            pieces[piece] = true
            partialPeerCounts[piece.value] += 1
            peerPieces[peer] = .partial(pieces)
            if pieces.isComplete { promoteToSeed(peer, pieces) }
        }
    }

    /// Records a peer's `bitfield`, replacing what was known about it. A field of the wrong size is ignored.
    public mutating func peerHasBitfield(_ peer: PeerKey, _ pieces: Bitfield) {
        guard pieces.count == pieceCount else { return }
        forget(peer)
        if pieces.isComplete && pieceCount > 0 {
            seedCount += 1
            peerPieces[peer] = .seed
            return
        }
        for piece in pieces.setIndices { partialPeerCounts[piece] += 1 }
        peerPieces[peer] = .partial(pieces)
    }

    /// Records `have all` (BEP 6), or a full bitfield.
    public mutating func peerHasAll(_ peer: PeerKey) {
        forget(peer)
        seedCount += 1
        peerPieces[peer] = .seed
    }

    /// Takes a departed peer's pieces out of the availability counts and returns its outstanding
    /// requests to missing.
    public mutating func peerLeft(_ peer: PeerKey) {
        forget(peer)
        releaseRequests(of: peer)
    }

    /// The pieces a peer is known to have, as a bitfield.
    public func knownPieces(of peer: PeerKey) -> Bitfield {
        switch peerPieces[peer] {
        case .seed: Bitfield(count: pieceCount, allSet: true)
        case .partial(let pieces): pieces
        case nil: Bitfield(count: pieceCount)
        }
    }

    private mutating func forget(_ peer: PeerKey) {
        switch peerPieces.removeValue(forKey: peer) {
        case .seed:
            seedCount -= 1
        case .partial(let pieces):
            for piece in pieces.setIndices { partialPeerCounts[piece] -= 1 }
        case nil:
            break
        }
    }

    private mutating func promoteToSeed(_ peer: PeerKey, _ pieces: Bitfield) {
        for piece in 0..<pieceCount { partialPeerCounts[piece] -= 1 }
        seedCount += 1
        peerPieces[peer] = .seed
    }
}
