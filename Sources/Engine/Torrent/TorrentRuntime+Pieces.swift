internal import NIOCore
import SwarmLogic
import TorrentCore
import WireProtocol

/// A block's way from a peer to the disk: the picker says whether to keep it, `PieceAssembly`
/// copies it into its piece, a complete piece is hashed and written by `PieceVerifier`, and the
/// outcome updates the picker, peer trust and the peers (`have`).
extension TorrentRuntime {
    func receivedBlock(_ request: BlockRequest, data: ByteBuffer, from peer: PeerConnection) {
        if storeBlock(request, data: data, from: peer.key) == .unexpected {
            // Data we would never ask for (a skipped piece, a wrong offset or length).
            countAgainst(peer, by: 1, why: "sent a block nobody asked for")
        }
    }

    /// What became of a block that arrived.
    enum BlockFate {
        case kept, dropped, unexpected
    }

    /// Takes one block from a peer or a web seed (`key`): into its piece, and the piece on to be
    /// verified once complete.
    @discardableResult
    func storeBlock(_ request: BlockRequest, data: ByteBuffer, from key: PeerKey) -> BlockFate {
        let piece = request.piece.value
        // Over the memory bound, data nobody asked this peer for is not kept for a piece not
        // started. A requested block is always kept: the requests in flight bound it already,
        // and dropping it would stall the piece until the request times out.
        guard assembly.accepts(piece: piece) || picker.hasRequest(request, from: key) else { return .dropped }
        let arrival = picker.blockReceived(request, from: key)
        for other in arrival.cancelFrom {
            if let peer = swarm[other], let actions = peer.session?.cancel(request, at: core.now) {
                carry(actions, for: peer)
            }
        }
        switch arrival {
        case .duplicate:
            return .dropped
        case .unexpected:
            return .unexpected
        case .expected, .lateAfterCancel:
            break
        }
        countDownload(request.length)
        assembly.store(request, data: data, pieceSize: pieceSize(piece))
        if case .readyToVerify = picker.blockWritten(request), let bytes = assembly.takeForVerifying(piece) {
            verify(piece: piece, data: bytes)
        }
        return .kept
    }

    private func verify(piece: Int, data: [UInt8]) {
        let size = data.count
        verifier.verifyAndWrite(piece: piece, data: data, on: core.loop).assumeIsolated().whenComplete { [self] result in
            assembly.finished(size: size)
            switch result {
            case .success(.verified):
                pieceVerified(piece, data: data)
                assembly.recycle(data)
            case .success(.hashMismatch):
                pieceFailed(piece, data: data)
            case .success(.writeFailed(let error)):
                picker.pieceFailed(PieceIndex(checked: piece))
                handle(.fail("cannot write to disk: \(error)"))
            case .failure(let error):
                picker.pieceFailed(PieceIndex(checked: piece))
                handle(.fail("disk pool stopped: \(error)"))
            }
            fillAllRequestsSoon()
        }
    }

    private func pieceVerified(_ piece: Int, data: [UInt8]) {
        let index = PieceIndex(checked: piece)
        guard !picker.have[piece] else { return }
        let contributors = Set(picker.contributors(of: index).compactMap(trustName))
        ban(trust.pieceVerified(piece, data: data, contributors: contributors, blockSize: picker.blockSize))
        picker.pieceVerified(index)
        pieceNoLongerMissing(piece)
        resumeKeeper?.pieceVerified()
        let now = core.now
        for peer in swarm.values {
            if let actions = peer.session?.announceHave(index, at: now) { carry(actions, for: peer) }
        }
        if picker.isComplete { handle(.completed) }
    }

    private func pieceFailed(_ piece: Int, data: [UInt8]) {
        hashFailures += 1
        let index = PieceIndex(checked: piece)
        let senders = picker.blockSources(of: index).map { key in key.flatMap(trustName) }
        picker.pieceFailed(index)
        core.log.warning("piece \(piece) of \(info.name) failed its hash check; fetching it again")
        core.recordEvent(.hashFailed(id, piece: piece))
        ban(trust.pieceFailed(piece, data: data, senders: senders))
        askForLeafHashes(piece, data: data, senders: senders)
    }

    /// BEP 52: a v2 peer (one not among the senders if possible) is asked for the failed piece's
    /// leaf hashes, which name the bad blocks without waiting for a good copy.
    private func askForLeafHashes(_ piece: Int, data: [UInt8], senders: [String?]) {
        guard info.v2 != nil else { return }
        let hybridHash = info.infoHashV2?.truncated
        let v2Peers = swarm.values.filter { peer in
            info.version == .v2 || peer.handshake?.reserved.contains(.v2) == true || peer.handshake?.infoHash == hybridHash
        }
        let suspects = Set(senders.compactMap { $0 })
        guard let peer = v2Peers.first(where: { !suspects.contains($0.endpoint.host) }) ?? v2Peers.first,
              let request = badBlocks.ask(about: piece, data: data, senders: senders, info: info, peer: peer.key,
                                          now: core.now)
        else { return }
        core.log.debug("asking \(peer.endpoint) for the leaf hashes of failed piece \(piece)")
        peer.send(.hashRequest(request))
        peer.flush()
    }

    /// Leaf hashes for a failed piece: each bad block convicts its sender (as a good copy would).
    func leafHashesArrived(_ request: HashRequest, hashes: [UInt8], from peer: PeerConnection) {
        switch badBlocks.received(request, hashes: hashes, from: peer.key, info: info) {
        case .ignored:
            return
        case .answerLied:
            countAgainst(peer, by: 2, why: "sent leaf hashes that do not match the piece hash")
        case .badSenders(let hosts):
            core.log.info("leaf hashes from \(peer.endpoint) name the senders of bad blocks: \(hosts.sorted())")
            var banned: Set<String> = []
            for host in hosts where trust.strike(host, by: 3) { banned.insert(host) }
            ban(banned)
        }
    }

    /// Protocol misbehaviour short of a broken stream: it costs the peer's address trust.
    func countAgainst(_ peer: PeerConnection, by amount: Int, why: String) {
        core.log.debug("\(peer.endpoint) \(why)")
        if trust.strike(peer.endpoint.host, by: amount) { ban([peer.endpoint.host]) }
    }

    /// Who sent the data of `key` as peer trust knows it: a peer's address, or a web seed's name.
    private func trustName(of key: PeerKey) -> String? {
        swarm[key]?.endpoint.host ?? webSeed(for: key)?.trustName
    }

    /// Closes every connection from addresses just banned, and stops using web seeds banned.
    private func ban(_ hosts: Set<String>) {
        dropWebSeeds(named: hosts)
        for host in hosts {
            core.log.warning("banning \(host): it sent data for several pieces that failed their hash")
            core.recordEvent(.peerBanned(id, address: host))
            for peer in swarm.values where peer.endpoint.host == host { peer.close(reason: "banned for bad data") }
        }
    }
}
