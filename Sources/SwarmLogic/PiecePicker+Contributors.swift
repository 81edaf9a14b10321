import TorrentCore

extension PiecePicker {
    /// The peers that sent blocks of `piece` while it is being downloaded; empty once it is
    /// verified or failed. Ask before `pieceVerified` to credit the peers behind a good piece.
    public func contributors(of piece: PieceIndex) -> Set<PeerKey> {
        guard piece.value < pieceCount, let download = downloads[piece.value] else { return [] }
        var peers: Set<PeerKey> = []
        for state in download.blocks {
            switch state {
            case .received(let peer), .written(let peer): peers.insert(peer)
            case .missing, .requested: break
            }
        }
        return peers
    }
}

extension PiecePicker {
    /// For each block of `piece` in order, the peer whose data was received for it (nil while it is
    /// missing or requested). Ask before `pieceFailed` to find out later which peer sent bad data.
    public func blockSources(of piece: PieceIndex) -> [PeerKey?] {
        guard piece.value < pieceCount, let download = downloads[piece.value] else { return [] }
        return download.blocks.map { state in
            switch state {
            case .received(let peer), .written(let peer): peer
            case .missing, .requested: nil
            }
        }
    }
}
