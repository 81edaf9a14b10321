import TestSupport
import Testing
import TorrentCore
import WireProtocol
@testable import SwarmLogic

/// Small pieces equally rare are picked in runs of neighbours (so they reach the disk in one
/// write), while rarity and randomness across extents still decide where a run starts.
@Suite struct ExtentAffinityTests {
    /// 64 MiB in 16 KiB pieces (16 extents of 256 pieces), every piece at one seed.
    private func smallPieces(seed: UInt64) -> (PiecePicker, SeededGenerator) {
        var picker = PiecePicker(totalLength: 4096 * 16384, pieceLength: 16384)
        picker.initialRandomPieces = 0
        picker.peerHasAll(PeerKey(100))
        return (picker, SeededGenerator(seed: seed))
    }

    @Test func piecesOfOneSeedComeInRunsOfNeighbours() {
        var (picker, rng) = smallPieces(seed: 7)
        let everything = Bitfield(count: picker.pieceCount, allSet: true)
        var order: [Int] = []
        // As a peer's pipeline is refilled: 16 blocks a time, each received piece done.
        for _ in 0..<64 {
            let blocks = picker.pickBlocks(for: PeerKey(100), peerHas: everything, count: 16, now: .zero, using: &rng)
            for block in blocks {
                order.append(block.piece.value)
                _ = picker.blockReceived(block, from: PeerKey(100))
                _ = picker.blockWritten(block)
                picker.pieceVerified(block.piece)
            }
        }
        #expect(order.count == 1024)
        #expect(Set(order).count == 1024, "no piece twice")
        let neighbours = zip(order, order.dropFirst()).count { $1 == $0 + 1 }
        // Only the first refill is scattered (nothing is open yet); after it, runs of neighbours.
        #expect(neighbours >= 1000, "\(neighbours) of 1023 picks follow their predecessor")
    }

    @Test func whereARunStartsDiffersBySeed() {
        var firsts: Set<Int> = []
        for seed in UInt64(1)...20 {
            var (picker, rng) = smallPieces(seed: seed)
            let everything = Bitfield(count: picker.pieceCount, allSet: true)
            if let block = picker.pickBlocks(for: PeerKey(100), peerHas: everything, count: 1, now: .zero,
                                             using: &rng).first {
                firsts.insert(block.piece.value / 256)
            }
        }
        #expect(firsts.count >= 8, "first extents over 20 seeds: \(firsts.sorted())")
    }

    @Test func aRarerPieceStillBeatsAnOpenExtent() {
        var (picker, rng) = smallPieces(seed: 3)
        let everything = Bitfield(count: picker.pieceCount, allSet: true)
        let opening = picker.pickBlocks(for: PeerKey(100), peerHas: everything, count: 1, now: .zero, using: &rng)
        let first = try! #require(opening.first).piece.value
        // A peer with everything but a piece far from the open extent makes that piece the rarest.
        let far = (first + 2048) % picker.pieceCount
        var partial = Bitfield(count: picker.pieceCount, allSet: true)
        partial[far] = false
        picker.peerHasBitfield(PeerKey(101), partial)
        let next = picker.pickBlocks(for: PeerKey(100), peerHas: everything, count: 1, now: .zero, using: &rng)
        #expect(next.first?.piece.value == far, "the rarest piece first, not \(first)'s neighbour: \(next)")
        let then = picker.pickBlocks(for: PeerKey(100), peerHas: everything, count: 1, now: .zero, using: &rng)
        #expect(then.first.map { $0.piece.value / 256 } == first / 256 || then.first.map { $0.piece.value / 256 } == far / 256,
                "then back to an open extent: \(then)")
    }
}
