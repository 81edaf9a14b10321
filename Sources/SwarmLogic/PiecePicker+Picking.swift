import Collections
import TorrentCore
import WireProtocol

extension PiecePicker {
    /// Chooses up to `count` blocks to request from `peer` and marks them requested by it.
    ///
    /// `peerHas` is what the peer offers: its bitfield, or only its allowed-fast pieces while it
    /// chokes us. Returns fewer blocks (or none) when the peer has nothing more we need.
    ///
    /// `freshPiecesFirst` is for a web seed, which answers ranges: it gets whole pieces nobody
    /// has started (so its long requests do not race the peers' blocks), and the missing blocks
    /// of started pieces only when no fresh piece is left.
    public mutating func pickBlocks(
        for peer: PeerKey, peerHas: Bitfield, count: Int, now: SwarmInstant,
        using generator: inout some RandomNumberGenerator, freshPiecesFirst: Bool = false
    ) -> [BlockRequest] {
        guard count > 0, peerHas.count == pieceCount else { return [] }
        var picked: [BlockRequest] = []

        if freshPiecesFirst { takeFreshPieces(for: peer, peerHas: peerHas, upTo: count, into: &picked, now: now,
                                              seed: generator.next()) }

        // 1. Finish what is started.
        if picked.count < count {
            let partial = downloads.keys
                .filter { piece in
                    priorities[piece].isWanted && !have[piece] && peerHas[piece]
                        && downloads[piece]?.hasMissingBlock == true
                }
                .sorted(by: partialOrder)
            for piece in partial where picked.count < count {
                takeMissingBlocks(of: piece, for: peer, upTo: count, into: &picked, now: now)
            }
        }

        // 2. Start new pieces, best first.
        if picked.count < count && !freshPiecesFirst {
            takeFreshPieces(for: peer, peerHas: peerHas, upTo: count, into: &picked, now: now, seed: generator.next())
        }

        // 3. Endgame: duplicate requests already out at other peers.
        if picked.count < count, isInEndgame {
            pickEndgameBlocks(for: peer, peerHas: peerHas, upTo: count, into: &picked, now: now)
        }
        return picked
    }

    /// Partly downloaded pieces: higher priority, then fewest blocks left (file edges in sequential
    /// mode), then lowest index.
    private func partialOrder(_ a: Int, _ b: Int) -> Bool {
        if priorities[a] != priorities[b] { return priorities[a] > priorities[b] }
        if sequential {
            let edgeA = fileEdgePieces.contains(a), edgeB = fileEdgePieces.contains(b)
            if edgeA != edgeB { return edgeA }
        } else {
            let leftA = downloads[a]?.missingCount ?? 0
            let leftB = downloads[b]?.missingCount ?? 0
            if leftA != leftB { return leftA < leftB }
        }
        return a < b
    }

    /// A piece nobody has started, with the key that orders it.
    struct Candidate: Comparable {
        /// Higher priority sorts first, so this is the negated raw value.
        var priorityRank: Int
        /// 0 for the first or last piece of a wanted file in sequential mode, else 1.
        var edgeRank: Int
        /// Peers that have the piece (0 in sequential or initial-random mode, where it does not count).
        var rarity: Int
        /// 0 when the piece's extent is open (see `extentBytes`), else 1.
        var extentRank: Int
        /// 0 in an open extent (lowest index first), otherwise random in rarest-first and
        /// initial-random mode; the piece index in sequential mode.
        var tieBreak: UInt64
        var piece: Int

        static func < (a: Candidate, b: Candidate) -> Bool {
            (a.priorityRank, a.edgeRank, a.rarity, a.extentRank, a.tieBreak, a.piece)
                < (b.priorityRank, b.edgeRank, b.rarity, b.extentRank, b.tieBreak, b.piece)
        }
    }

    /// Extent affinity: among pieces equally rare, those in an extent (a run of pieces covering
    /// about `extentTarget` bytes) where a piece is already had or started come first, lowest
    /// index first; a piece outside them is picked at random, and opens its extent. Neighbouring
    /// pieces then finish together and reach the disk in one write (a direct one once the run is
    /// long enough), where random 16 KiB pieces cost a system call and a page-cache copy each.
    static let extentTarget = 4 << 20

    /// Bytes of a bitfield that make one extent: whole bytes, so openness is found a byte at a time.
    var extentBytes: Int { max(1, Self.extentTarget / max(1, pieceLength) / 8) }

    private mutating func takeFreshPieces(
        for peer: PeerKey, peerHas: Bitfield, upTo count: Int, into picked: inout [BlockRequest], now: SwarmInstant,
        seed: UInt64
    ) {
        // Every fresh piece gives at least one block, so the best `count - picked.count` are enough.
        var candidates = freshCandidates(peerHas: peerHas, seed: seed, keeping: count - picked.count)
        while picked.count < count, let candidate = candidates.popMin() {
            takeMissingBlocks(of: candidate.piece, for: peer, upTo: count, into: &picked, now: now)
        }
    }

    /// The `limit` best pieces nobody has started (`popMin` gives the best). Only those are kept: with
    /// 16 KiB pieces (one block each) every pick needs fresh pieces, and heaping all 65,536 of a
    /// GiB for each pick of a few made small pieces 2.6 times slower than 1 MiB ones.
    private func freshCandidates(peerHas: Bitfield, seed: UInt64, keeping limit: Int) -> Heap<Candidate> {
        var best = Heap<Candidate>()
        guard limit > 0 else { return best }
        let random = !sequential && have.setCount < initialRandomPieces
        // Byte by byte over what the peer has, we lack and nobody started, without listing every
        // index or looking each piece up in `downloads`.
        let offered = peerHas.bytes
        let had = have.bytes
        var started = [UInt8](repeating: 0, count: offered.count)
        for piece in downloads.keys { started[piece >> 3] |= 0x80 >> UInt8(piece & 7) }
        let extentBytes = self.extentBytes
        var open = [Bool](repeating: false, count: (offered.count + extentBytes - 1) / extentBytes)
        if !sequential {
            for byteIndex in offered.indices where had[byteIndex] | started[byteIndex] != 0 {
                open[byteIndex / extentBytes] = true
            }
        }
        var byteIndex = -1
        while byteIndex + 1 < offered.count {
            byteIndex += 1
            // Eight bytes at a time past what there is nothing to take from (most of a bitfield
            // late in a download, or of a peer that has little).
            if byteIndex & 7 == 0, byteIndex + 8 <= offered.count,
               Self.word(offered, byteIndex) & ~Self.word(had, byteIndex) & ~Self.word(started, byteIndex) == 0 {
                byteIndex += 7
                continue
            }
            let byte = offered[byteIndex] & ~had[byteIndex] & ~started[byteIndex]
            guard byte != 0 else { continue }
            for bit in 0..<8 where byte & (0x80 >> UInt8(bit)) != 0 {
                let piece = byteIndex * 8 + bit
                guard priorities[piece].isWanted else { continue }
                let extent = byteIndex / extentBytes
                let candidate = Candidate(
                    priorityRank: -priorities[piece].rawValue,
                    edgeRank: sequential && fileEdgePieces.contains(piece) ? 0 : 1,
                    rarity: sequential || random ? 0 : partialPeerCounts[piece] + seedCount,
                    extentRank: open[extent] ? 0 : 1,
                    tieBreak: sequential ? UInt64(piece) : open[extent] ? 0 : Self.mix(seed, piece),
                    piece: piece)
                if best.count < limit {
                    best.insert(candidate)
                } else if let worst = best.max, candidate < worst {
                    best.replaceMax(with: candidate)
                }
            }
        }
        return best
    }

    /// Bytes `index..<index + 8` of `bytes` as one word (any byte order: only tested against zero).
    @inline(__always)
    static func word(_ bytes: [UInt8], _ index: Int) -> UInt64 {
        bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: index, as: UInt64.self) }
    }

    /// A well-spread hash of `piece` under `seed` (SplitMix64), so one random draw orders every piece.
    static func mix(_ seed: UInt64, _ piece: Int) -> UInt64 {
        var z = seed &+ UInt64(truncatingIfNeeded: piece) &* 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    private mutating func takeMissingBlocks(
        of piece: Int, for peer: PeerKey, upTo count: Int, into picked: inout [BlockRequest], now: SwarmInstant
    ) {
        var download = downloads[piece] ?? PieceDownload(blockCount: blockCount(ofPiece: piece))
        for block in download.blocks.indices where picked.count < count && download.blocks[block] == .missing {
            download.blocks[block] = .requested([Requester(peer: peer, since: now)])
            let request = request(piece: piece, block: block)
            requestsByPeer[peer, default: []].insert(request)
            picked.append(request)
        }
        if !download.isUntouched { downloads[piece] = download }
    }

    private mutating func pickEndgameBlocks(
        for peer: PeerKey, peerHas: Bitfield, upTo count: Int, into picked: inout [BlockRequest], now: SwarmInstant
    ) {
        // Fewest requesters first, then the longest-waiting request.
        var options: [(requesters: Int, oldest: SwarmInstant, piece: Int, block: Int)] = []
        for (piece, download) in downloads where priorities[piece].isWanted && !have[piece] && peerHas[piece] {
            for (block, state) in download.blocks.enumerated() {
                guard case .requested(let requesters) = state,
                      requesters.count < maxRequestersPerBlockInEndgame,
                      !requesters.contains(where: { $0.peer == peer })
                else { continue }
                options.append((requesters.count, requesters.map(\.since).min() ?? now, piece, block))
            }
        }
        options.sort { ($0.requesters, $0.oldest, $0.piece, $0.block) < ($1.requesters, $1.oldest, $1.piece, $1.block) }
        for option in options.prefix(count - picked.count) {
            guard case .requested(var requesters) = downloads[option.piece]?.blocks[option.block] else { continue }
            requesters.append(Requester(peer: peer, since: now))
            downloads[option.piece]?.blocks[option.block] = .requested(requesters)
            let request = request(piece: option.piece, block: option.block)
            requestsByPeer[peer, default: []].insert(request)
            picked.append(request)
        }
    }
}
