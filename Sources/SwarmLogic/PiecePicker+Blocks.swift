import TorrentCore
import WireProtocol

extension PiecePicker {
    /// Records that `block` was requested from `peer` outside `pickBlocks` (for example when
    /// restoring a session). Returns false when the block is not one we still need.
    @discardableResult
    public mutating func markRequested(_ block: BlockRequest, by peer: PeerKey, at now: SwarmInstant) -> Bool {
        guard let index = blockIndex(of: block), !have[block.piece] else { return false }
        let piece = block.piece.value
        var download = downloads[piece] ?? PieceDownload(blockCount: blockCount(ofPiece: piece))
        switch download.blocks[index] {
        case .missing:
            download.blocks[index] = .requested([Requester(peer: peer, since: now)])
        case .requested(var requesters):
            guard !requesters.contains(where: { $0.peer == peer }) else { return true }
            requesters.append(Requester(peer: peer, since: now))
            download.blocks[index] = .requested(requesters)
        case .received, .written:
            return false
        }
        downloads[piece] = download
        requestsByPeer[peer, default: []].insert(block)
        return true
    }

    /// Records the data for `block` arriving from `peer` and says what to do with it.
    ///
    /// A block we already hold is never requested again; other peers asked for the same block
    /// are returned for cancelling.
    public mutating func blockReceived(_ block: BlockRequest, from peer: PeerKey) -> BlockArrival {
        guard let index = blockIndex(of: block) else { return .unexpected }
        let piece = block.piece.value
        if have[piece] { return .duplicate }
        var download: PieceDownload
        if let existing = downloads[piece] {
            download = existing
        } else {
            guard priorities[piece].isWanted else { return .unexpected }
            download = PieceDownload(blockCount: blockCount(ofPiece: piece))
        }
        let arrival: BlockArrival
        switch download.blocks[index] {
        case .received, .written:
            return .duplicate
        case .missing:
            arrival = .lateAfterCancel(cancelFrom: [])
        case .requested(let requesters):
            for requester in requesters { requestsByPeer[requester.peer]?.remove(block) }
            let others = requesters.map(\.peer).filter { $0 != peer }
            arrival = requesters.contains { $0.peer == peer } ? .expected(cancelFrom: others) : .lateAfterCancel(cancelFrom: others)
        }
        download.blocks[index] = .received(from: peer)
        downloads[piece] = download
        return arrival
    }

    /// Records that a received block is on disk. Says when the whole piece is ready for hashing.
    @discardableResult
    public mutating func blockWritten(_ block: BlockRequest) -> PieceProgress {
        guard let index = blockIndex(of: block), var download = downloads[block.piece.value] else { return .inProgress }
        if case .received(let peer) = download.blocks[index] {
            download.blocks[index] = .written(from: peer)
            downloads[block.piece.value] = download
        }
        return download.isFullyWritten ? .readyToVerify : .inProgress
    }

    /// True when every block of `piece` has arrived (written or not).
    public func isFullyReceived(_ piece: PieceIndex) -> Bool {
        downloads[piece.value]?.isFullyReceived ?? false
    }

    /// The request to `peer` for `block` went unanswered too long: the block may go to another peer.
    /// If the data still comes, `blockReceived` reports it as `lateAfterCancel` and keeps it.
    public mutating func requestTimedOut(_ block: BlockRequest, by peer: PeerKey) {
        dropRequest(block, by: peer)
    }

    /// The request was cancelled by us or rejected by the peer: the block is free for others.
    public mutating func requestCancelled(_ block: BlockRequest, by peer: PeerKey) {
        dropRequest(block, by: peer)
    }

    /// Drops every request outstanding at `peer` (it choked us without the fast extension, or left)
    /// and returns them.
    @discardableResult
    public mutating func releaseRequests(of peer: PeerKey) -> [BlockRequest] {
        let requests = requestsByPeer[peer] ?? []
        for block in requests { dropRequest(block, by: peer) }
        requestsByPeer[peer] = nil
        return requests.sorted { ($0.piece, $0.offset) < ($1.piece, $1.offset) }
    }

    /// Requests sent at or before `deadline`, for the caller's timeout sweep.
    public func requests(sentAtOrBefore deadline: SwarmInstant) -> [(peer: PeerKey, block: BlockRequest)] {
        var result: [(peer: PeerKey, block: BlockRequest)] = []
        for (piece, download) in downloads {
            for (index, state) in download.blocks.enumerated() {
                guard case .requested(let requesters) = state else { continue }
                for requester in requesters where requester.since <= deadline {
                    result.append((requester.peer, request(piece: piece, block: index)))
                }
            }
        }
        return result.sorted { ($0.block.piece, $0.block.offset, $0.peer) < ($1.block.piece, $1.block.offset, $1.peer) }
    }

    /// Marks `piece` as verified and ours; also for pieces found on disk when resuming.
    public mutating func pieceVerified(_ piece: PieceIndex) {
        guard piece.value < pieceCount else { return }
        clearDownload(of: piece.value)
        have[piece] = true
    }

    /// The piece failed its hash check: all its blocks go back to missing.
    /// Returns the peers that sent any of its blocks, so the caller can count strikes against them.
    @discardableResult
    public mutating func pieceFailed(_ piece: PieceIndex) -> Set<PeerKey> {
        guard piece.value < pieceCount, let download = downloads[piece.value] else { return [] }
        var contributors: Set<PeerKey> = []
        for state in download.blocks {
            switch state {
            case .received(let peer), .written(let peer): contributors.insert(peer)
            case .missing, .requested: break
            }
        }
        clearDownload(of: piece.value)
        return contributors
    }

    // MARK: - Helpers

    private mutating func dropRequest(_ block: BlockRequest, by peer: PeerKey) {
        requestsByPeer[peer]?.remove(block)
        guard let index = blockIndex(of: block), var download = downloads[block.piece.value],
              case .requested(var requesters) = download.blocks[index]
        else { return }
        requesters.removeAll { $0.peer == peer }
        download.blocks[index] = requesters.isEmpty ? .missing : .requested(requesters)
        downloads[block.piece.value] = download.isUntouched ? nil : download
    }

    private mutating func clearDownload(of piece: Int) {
        guard let download = downloads.removeValue(forKey: piece) else { return }
        for (index, state) in download.blocks.enumerated() {
            guard case .requested(let requesters) = state else { continue }
            let block = request(piece: piece, block: index)
            for requester in requesters { requestsByPeer[requester.peer]?.remove(block) }
        }
    }
}
