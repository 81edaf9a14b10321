import TestSupport
import Testing
import TorrentCore
@testable import SwarmLogic
import WireProtocol

/// Streaming order: the first and last piece of every wanted file early, then the rest in order.
@Suite struct SequentialPickingTests {
    /// Three files over 16 one-block pieces: a = pieces 0–4, b = 5–9 (skipped or not), c = 10–15.
    static func picker(filePriorities: [PiecePriority]) -> (PiecePicker, FileLayout) {
        let block = 16384
        let files = [
            TorrentFile(path: ["a.mkv"], length: 5 * block, offset: 0),
            TorrentFile(path: ["b.nfo"], length: 5 * block, offset: 5 * block),
            TorrentFile(path: ["c.mkv"], length: 6 * block, offset: 10 * block),
        ]
        let layout = FileLayout(files: files, pieceLength: block)
        var picker = PiecePicker(layout: layout)
        picker.initialRandomPieces = 0
        picker.sequential = true
        picker.setFilePriorities(filePriorities, layout: layout)
        return (picker, layout)
    }

    /// Pieces in the order they are requested, one block per call, for a peer that has everything.
    static func order(_ picker: inout PiecePicker, calls: Int) -> [Int] {
        var rng = SeededGenerator(seed: 7)
        var pieces: [Int] = []
        for _ in 0..<calls {
            let picked = picker.pickBlocks(
                for: PeerKey(1), peerHas: Bitfield(count: picker.pieceCount, allSet: true), count: 1, now: .zero,
                using: &rng)
            guard let block = picked.first else { break }
            pieces.append(block.piece.value)
        }
        return pieces
    }

    @Test func fetchesEachFilesFirstAndLastPiecesBeforeTheMiddle() {
        var (picker, _) = Self.picker(filePriorities: [.normal, .normal, .normal])
        let order = Self.order(&picker, calls: 100)
        #expect(Array(order.prefix(6)) == [0, 4, 5, 9, 10, 15], "file edges first, in file order")
        #expect(Array(order.dropFirst(6)) == [1, 2, 3, 6, 7, 8, 11, 12, 13, 14], "then the rest in order")
    }

    @Test func skippedFilesGiveNoEdgesAndNoPieces() {
        var (picker, _) = Self.picker(filePriorities: [.normal, .skip, .normal])
        let order = Self.order(&picker, calls: 100)
        #expect(Array(order.prefix(4)) == [0, 4, 10, 15])
        #expect(Array(order.dropFirst(4)) == [1, 2, 3, 11, 12, 13, 14])
    }

    @Test func rarestFirstModeIgnoresFileEdges() {
        var (picker, _) = Self.picker(filePriorities: [.normal, .normal, .normal])
        picker.sequential = false
        // Piece 7 is the only one another peer also has: rarest-first takes it last, edges get no favour.
        for piece in 0..<16 where piece != 7 { picker.peerHas(PeerKey(50), piece: PieceIndex(checked: piece)) }
        picker.peerHas(PeerKey(51), piece: PieceIndex(checked: 7))
        picker.peerHas(PeerKey(52), piece: PieceIndex(checked: 7))
        let order = Self.order(&picker, calls: 100)
        #expect(order.count == 16)
        #expect(order.last == 7)
        #expect(Array(order.prefix(6)) != [0, 4, 5, 9, 10, 15])
    }

    @Test func edgesAlreadyHeldAreNotFetchedAgain() {
        var (picker, _) = Self.picker(filePriorities: [.normal, .normal, .normal])
        picker.pieceVerified(PieceIndex(checked: 0))
        picker.pieceVerified(PieceIndex(checked: 4))
        let order = Self.order(&picker, calls: 100)
        #expect(Array(order.prefix(4)) == [5, 9, 10, 15])
        #expect(!order.contains(0) && !order.contains(4))
    }
}
