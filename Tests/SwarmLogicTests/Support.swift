import TestSupport
import TorrentCore
@testable import SwarmLogic
@testable import WireProtocol


extension PeerKey {
    static let alice = PeerKey(1)
    static let bob = PeerKey(2)
    static let carol = PeerKey(3)
    /// Holds the requests that make a fixture's piece partial.
    static let other = PeerKey(999)
}

/// A picker drawn as a picture, after libtorrent's `setup_picker("2223333", "* * *  ", …)`.
///
/// - `availability`: one digit per piece, how many other peers have it.
/// - `have`: `*` marks a piece we already have.
/// - `priority`: one digit per piece, 0 skip … 3 high (default all normal).
/// - `partial`: `+` marks a piece whose first block is already requested from another peer.
struct PickerFixture {
    var picker: PiecePicker
    var rng: SeededGenerator
    let blocksPerPiece: Int

    init(
        availability: String, have: String = "", priority: String = "", partial: String = "",
        blocksPerPiece: Int = 4, initialRandomPieces: Int = 0, seed: UInt64 = 1
    ) {
        let counts = availability.map { Int(String($0))! }
        self.blocksPerPiece = blocksPerPiece
        picker = PiecePicker(totalLength: counts.count * blocksPerPiece * 16384, pieceLength: blocksPerPiece * 16384)
        picker.initialRandomPieces = initialRandomPieces
        rng = SeededGenerator(seed: seed)
        for (piece, count) in counts.enumerated() {
            for peer in 0..<count { picker.peerHas(PeerKey(100 + UInt64(peer)), piece: PieceIndex(checked: piece)) }
        }
        for (piece, mark) in have.enumerated() where mark == "*" {
            picker.pieceVerified(PieceIndex(checked: piece))
        }
        for (piece, digit) in priority.enumerated() {
            picker.setPriority(PiecePriority(rawValue: Int(String(digit))!)!, of: PieceIndex(checked: piece))
        }
        for (piece, mark) in partial.enumerated() where mark == "+" {
            picker.markRequested(block(piece, 0), by: .other, at: .zero)
        }
    }

    /// The request for block `index` of `piece`.
    func block(_ piece: Int, _ index: Int) -> BlockRequest {
        BlockRequest(piece: PieceIndex(checked: piece), offset: index * 16384, length: 16384)
    }

    /// A bitfield from a picture: `*` for set.
    func bitfield(_ picture: String) -> Bitfield {
        var field = Bitfield(count: picker.pieceCount)
        for (piece, mark) in picture.enumerated() where mark == "*" { field[piece] = true }
        return field
    }

    var everything: Bitfield { Bitfield(count: picker.pieceCount, allSet: true) }

    /// Picks `count` blocks for `peer`, who has every piece unless `has` says otherwise.
    mutating func pick(_ count: Int, for peer: PeerKey = .alice, has: String? = nil, at now: SwarmInstant = .zero) -> [BlockRequest] {
        let offered = has.map(bitfield) ?? everything
        return picker.pickBlocks(for: peer, peerHas: offered, count: count, now: now, using: &rng)
    }

    /// The pieces of `count` picked blocks, in the order first picked.
    mutating func pickPieces(_ count: Int, for peer: PeerKey = .alice) -> [Int] {
        var pieces: [Int] = []
        for block in pick(count, for: peer) where !pieces.contains(block.piece.value) {
            pieces.append(block.piece.value)
        }
        return pieces
    }

    /// The first piece picked for a peer with everything.
    mutating func firstPick() -> Int? {
        pick(1).first?.piece.value
    }
}
