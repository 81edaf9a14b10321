import Foundation
import Testing
import SwarmLogic
import TorrentCore
import WireProtocol

/// The v2 fixture of TorrentCoreTests, whose file bytes follow a formula (see make_v2_fixtures.py).
private func fixture() throws -> TorrentInfo {
    let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../TorrentCoreTests/Fixtures/oddsizes-v2.torrent")
    return try Metainfo(bytes: Array(try Data(contentsOf: url))).info
}

/// Piece 3 of the fixture's file d/big (index 6 in the size table): two full 16 KiB blocks.
private func bigPiece(_ info: TorrentInfo) -> (piece: Int, data: [UInt8]) {
    let file = info.files.firstIndex { $0.displayPath == "oddsizes/d/big" }!
    let piece = info.layout.pieces(ofFile: file).lowerBound + 3
    let start = 3 * info.pieceLength
    let data = (start..<start + info.pieceLength).map { (j: Int) -> UInt8 in
        let value: Int = j * 7 + 6 * 13 + j / 251
        return UInt8(value % 256)
    }
    return (piece, data)
}

private let now = SwarmInstant.seconds(50)

@Suite struct BadBlockFinderTests {
    @Test func leafHashesConvictOnlyTheSenderOfTheBadBlock() throws {
        let info = try fixture()
        let (piece, good) = bigPiece(info)
        #expect(good.withUnsafeBytes { info.pieceMatches(piece, data: $0) }, "the formula matches the fixture")
        var bad = good
        bad[16384 + 9] ^= 0x40
        var finder = BadBlockFinder()
        let asked = finder.ask(about: piece, data: bad, senders: ["10.0.0.1", "10.0.0.2"], info: info,
                              peer: PeerKey(7), now: now)
        let request = try #require(asked)
        #expect(request.baseLayer == 0 && request.index == 3 * 2 && request.length == 2)
        let leaves = MerkleTree.leafHashes(of: good)
        #expect(finder.received(request, hashes: leaves, from: PeerKey(8), info: info) == .ignored, "not asked")
        #expect(finder.received(request, hashes: leaves, from: PeerKey(7), info: info) == .badSenders(["10.0.0.2"]))
        #expect(finder.pendingCount == 0)
    }

    @Test func leafHashesThatDoNotHashToThePieceAreALie() throws {
        let info = try fixture()
        let (piece, good) = bigPiece(info)
        var finder = BadBlockFinder()
        let asked = finder.ask(about: piece, data: good, senders: ["a", "b"], info: info,
                              peer: PeerKey(1), now: now)
        let request = try #require(asked)
        var leaves = MerkleTree.leafHashes(of: good)
        leaves[40] ^= 1
        #expect(finder.received(request, hashes: leaves, from: PeerKey(1), info: info) == .answerLied)
    }

    @Test func asksOnlyWhenThereIsSomethingToFindAndForgetsWhatCannotBeAnswered() throws {
        let info = try fixture()
        let (piece, data) = bigPiece(info)
        var finder = BadBlockFinder()
        #expect(finder.ask(about: piece, data: data, senders: ["a", "a"], info: info, peer: PeerKey(1), now: now) == nil,
                "one sender is already proven wrong")
        let asked = finder.ask(about: piece, data: data, senders: ["a", "b"], info: info,
                              peer: PeerKey(1), now: now)
        let request = try #require(asked)
        #expect(finder.ask(about: piece, data: data, senders: ["a", "b"], info: info, peer: PeerKey(2), now: now) == nil,
                "already asked")
        finder.rejected(request, by: PeerKey(1))
        #expect(finder.pendingCount == 0)
        _ = finder.ask(about: piece, data: data, senders: ["a", "b"], info: info, peer: PeerKey(2), now: now)
        finder.expire(now: now.advanced(by: .seconds(31)))
        #expect(finder.pendingCount == 0)
    }
}
