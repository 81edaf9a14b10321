import TestSupport
import Testing
import TorrentCore
@testable import SwarmLogic
import WireProtocol

@Suite struct PiecePickerTests {
    // MARK: - Order

    @Test func picksLowestAvailabilityFirst() {
        var fixture = PickerFixture(availability: "4414444")
        #expect(fixture.firstPick() == 2)
    }

    @Test func skipsPiecesWeHaveWhenPickingRarest() {
        var fixture = PickerFixture(availability: "2223333", have: "* * *  ")
        #expect(fixture.firstPick() == 1)
    }

    @Test func ordersWholePiecesByRarity() {
        var fixture = PickerFixture(availability: "5312465")
        let order = fixture.pickPieces(4 * 7)
        #expect(order.prefix(4) == [2, 3, 1, 4])
        #expect(Set(order[4...5]) == [0, 6])
        #expect(order.last == 5)
    }

    @Test func breaksTiesAtRandomAcrossSeeds() {
        var firsts: [Int: Int] = [:]
        for seed in UInt64(1)...60 {
            var fixture = PickerFixture(availability: "22222229", seed: seed)
            if let first = fixture.firstPick() { firsts[first, default: 0] += 1 }
        }
        #expect(firsts[7] == nil, "the common piece never wins a tie it is not in")
        #expect(firsts.count == 7, "every tied piece comes first for some seed: \(firsts)")
        #expect(firsts.values.allSatisfy { $0 <= 20 }, "no piece dominates: \(firsts)")
    }

    @Test func takesEveryBlockOfAPieceBeforeStartingAnother() {
        var fixture = PickerFixture(availability: "4414444")
        let blocks = fixture.pick(6)
        #expect(blocks.prefix(4).map(\.piece.value) == [2, 2, 2, 2])
        #expect(blocks.prefix(4).map(\.offset) == [0, 16384, 32768, 49152])
    }

    @Test func finishesPartialPiecesFirst() {
        var fixture = PickerFixture(availability: "1119", partial: "   +")
        let blocks = fixture.pick(3)
        #expect(blocks == [fixture.block(3, 1), fixture.block(3, 2), fixture.block(3, 3)])
    }

    @Test func prefersThePartialPieceClosestToDone() {
        var fixture = PickerFixture(availability: "1111", partial: " + +")
        fixture.picker.markRequested(fixture.block(3, 1), by: .other, at: .zero)
        #expect(fixture.firstPick() == 3)
    }

    @Test func ignoresPartialPiecesThePeerLacks() {
        var fixture = PickerFixture(availability: "4414", partial: "   +")
        #expect(fixture.pick(1, has: "*** ").first?.piece.value == 2)
    }

    @Test func prefersHigherPriorityOverRarity() {
        var fixture = PickerFixture(availability: "1159", priority: "1123")
        let order = fixture.pickPieces(16)
        #expect(Array(order.prefix(2)) == [3, 2])
        #expect(Set(order.suffix(2)) == [0, 1])
    }

    @Test func neverPicksSkippedPieces() {
        var fixture = PickerFixture(availability: "1999", priority: "0222")
        let pieces = fixture.pickPieces(100)
        #expect(!pieces.contains(0))
        #expect(Set(pieces) == [1, 2, 3])
    }

    @Test func sequentialModeTakesTheEndsThenLowestIndexFirst() {
        var fixture = PickerFixture(availability: "9999111")
        fixture.picker.sequential = true
        #expect(fixture.pickPieces(4 * 7) == [0, 6, 1, 2, 3, 4, 5])
    }

    @Test func sequentialModeStillHonoursPriority() {
        var fixture = PickerFixture(availability: "9999", priority: "2232")
        fixture.picker.sequential = true
        #expect(fixture.pickPieces(16) == [2, 0, 3, 1])
    }

    @Test func picksTheFirstPiecesAtRandomWhenWeHaveNothing() {
        var firsts: Set<Int> = []
        for seed in UInt64(1)...30 {
            var fixture = PickerFixture(availability: "19999999", initialRandomPieces: 4, seed: seed)
            firsts.insert(fixture.firstPick() ?? -1)
        }
        #expect(firsts.count > 3, "random start, not always the rarest piece 0: \(firsts)")
    }

    @Test func switchesToRarestFirstOnceWeHaveEnoughPieces() {
        for seed in UInt64(1)...10 {
            var fixture = PickerFixture(availability: "99991999", have: "****", initialRandomPieces: 4, seed: seed)
            #expect(fixture.firstPick() == 4)
        }
    }

    @Test func returnsNothingWhenThePeerHasNothingWeNeed() {
        var fixture = PickerFixture(availability: "1111", have: "**  ")
        #expect(fixture.pick(10, has: "**  ").isEmpty)
        #expect(fixture.picker.pickBlocks(
            for: .alice, peerHas: Bitfield(count: 3, allSet: true), count: 4, now: .zero, using: &fixture.rng).isEmpty)
    }

    // MARK: - Block states

    @Test func neverHandsOutTheSameBlockTwiceOutsideEndgame() {
        var fixture = PickerFixture(availability: "1111")
        let first = fixture.pick(6, for: .alice)
        let second = fixture.pick(6, for: .bob)
        #expect(Set(first).isDisjoint(with: second))
        #expect(!fixture.picker.isInEndgame)
    }

    @Test func repicksATimedOutBlock() {
        var fixture = PickerFixture(availability: "11")
        let aliceBlocks = fixture.pick(4, for: .alice)
        fixture.picker.requestTimedOut(aliceBlocks[1], by: .alice)
        #expect(fixture.picker.outstandingRequests(of: .alice).count == 3)
        #expect(fixture.pick(1, for: .bob) == [aliceBlocks[1]])
    }

    @Test func keepsALateBlockAfterATimeout() {
        var fixture = PickerFixture(availability: "11")
        let blocks = fixture.pick(4, for: .alice)
        fixture.picker.requestTimedOut(blocks[0], by: .alice)
        #expect(fixture.picker.blockReceived(blocks[0], from: .alice) == .lateAfterCancel(cancelFrom: []))
        #expect(!fixture.pick(8, for: .bob).contains(blocks[0]))
    }

    @Test func neverRerequestsAReceivedBlock() {
        var fixture = PickerFixture(availability: "11")
        let blocks = fixture.pick(4, for: .alice)
        #expect(fixture.picker.blockReceived(blocks[0], from: .alice) == .expected(cancelFrom: []))
        #expect(fixture.picker.releaseRequests(of: .alice) == Array(blocks.dropFirst()))
        let next = fixture.pick(4, for: .bob)
        #expect(Array(next.prefix(3)) == Array(blocks.dropFirst()))
        #expect(next[3].piece != blocks[0].piece)
        #expect(fixture.picker.blockReceived(blocks[0], from: .bob) == .duplicate)
    }

    @Test func refusesBlocksItWouldNeverAskFor() {
        var fixture = PickerFixture(availability: "11", priority: "02")
        let misaligned = BlockRequest(piece: PieceIndex(checked: 1), offset: 100, length: 16384)
        let wrongLength = BlockRequest(piece: PieceIndex(checked: 1), offset: 0, length: 100)
        let pastEnd = BlockRequest(piece: PieceIndex(checked: 2), offset: 0, length: 16384)
        #expect(fixture.picker.blockReceived(misaligned, from: .alice) == .unexpected)
        #expect(fixture.picker.blockReceived(wrongLength, from: .alice) == .unexpected)
        #expect(fixture.picker.blockReceived(pastEnd, from: .alice) == .unexpected)
        #expect(fixture.picker.blockReceived(fixture.block(0, 0), from: .alice) == .unexpected, "skipped piece")
        fixture.picker.pieceVerified(PieceIndex(checked: 1))
        #expect(fixture.picker.blockReceived(fixture.block(1, 0), from: .alice) == .duplicate)
    }

    @Test func endgameDuplicatesRequestsAndCancelsTheLosers() {
        var fixture = PickerFixture(availability: "1")
        let aliceBlocks = fixture.pick(4, for: .alice)
        #expect(fixture.picker.isInEndgame)
        let bobBlocks = fixture.pick(4, for: .bob)
        #expect(bobBlocks == aliceBlocks, "in endgame, blocks already requested are handed out again")
        #expect(fixture.pick(4, for: .carol).isEmpty, "at most two requesters per block by default")
        #expect(fixture.pick(4, for: .alice).isEmpty, "never the same block twice to one peer")

        #expect(fixture.picker.blockReceived(aliceBlocks[0], from: .alice) == .expected(cancelFrom: [.bob]))
        #expect(fixture.picker.blockReceived(aliceBlocks[0], from: .bob) == .duplicate)
        #expect(fixture.picker.outstandingRequests(of: .bob) == Set(aliceBlocks.dropFirst()))
    }

    @Test func endgameFavoursBlocksWithFewestRequesters() {
        var fixture = PickerFixture(availability: "1")
        fixture.picker.maxRequestersPerBlockInEndgame = 3
        let blocks = fixture.pick(4, for: .alice)
        _ = fixture.pick(2, for: .bob)
        #expect(fixture.pick(2, for: .carol) == Array(blocks.suffix(2)))
    }

    @Test func failedPieceIsDownloadedAgainAndNamesItsSources() {
        var fixture = PickerFixture(availability: "1")
        let blocks = fixture.pick(2, for: .alice) + fixture.pick(2, for: .bob)
        for block in blocks.prefix(2) { _ = fixture.picker.blockReceived(block, from: .alice) }
        for block in blocks.suffix(2) { _ = fixture.picker.blockReceived(block, from: .bob) }
        #expect(fixture.picker.isFullyReceived(PieceIndex(checked: 0)))
        #expect(fixture.picker.pieceFailed(PieceIndex(checked: 0)) == [.alice, .bob])
        #expect(fixture.pick(4, for: .carol) == blocks)
    }

    @Test func reportsWhenAPieceIsReadyToVerify() {
        var fixture = PickerFixture(availability: "11")
        let blocks = fixture.pick(4)
        for block in blocks { _ = fixture.picker.blockReceived(block, from: .alice) }
        for block in blocks.dropLast() { #expect(fixture.picker.blockWritten(block) == .inProgress) }
        #expect(fixture.picker.blockWritten(blocks[3]) == .readyToVerify)
        fixture.picker.pieceVerified(blocks[0].piece)
        #expect(fixture.picker.have[blocks[0].piece])
        #expect(fixture.picker.wantedRemainingPieces == 1)
        #expect(!fixture.picker.isComplete)
        #expect(fixture.picker.piecesInFlight.isEmpty)
    }

    @Test func peerLeavingFreesItsRequests() {
        var fixture = PickerFixture(availability: "19")
        let blocks = fixture.pick(3, for: .alice)
        fixture.picker.peerLeft(.alice)
        #expect(fixture.picker.piecesInFlight.isEmpty)
        #expect(fixture.picker.outstandingRequests(of: .alice).isEmpty)
        #expect(fixture.pick(3, for: .bob) == blocks)
    }

    @Test func listsRequestsOldEnoughToTimeOut() {
        var fixture = PickerFixture(availability: "11")
        let early = fixture.pick(1, for: .alice, at: .seconds(1))
        _ = fixture.pick(1, for: .bob, at: .seconds(20))
        let stale = fixture.picker.requests(sentAtOrBefore: .seconds(10))
        #expect(stale.map(\.peer) == [.alice])
        #expect(stale.map(\.block) == early)
    }

    // MARK: - Geometry and progress

    @Test func cutsTheLastPieceAndBlockShort() {
        var picker = PiecePicker(totalLength: 2 * 65536 + 20000, pieceLength: 65536)
        #expect(picker.pieceCount == 3)
        #expect(picker.size(ofPiece: PieceIndex(checked: 2)) == 20000)
        #expect(picker.blockCount(ofPiece: PieceIndex(checked: 2)) == 2)
        #expect(picker.wantedRemainingBytes == 2 * 65536 + 20000)
        var rng = SeededGenerator(seed: 3)
        var only = Bitfield(count: 3)
        only[2] = true
        let blocks = picker.pickBlocks(for: .alice, peerHas: only, count: 10, now: .zero, using: &rng)
        #expect(blocks.map(\.length) == [16384, 20000 - 16384])
    }

    @Test func emptyTorrentIsComplete() {
        let picker = PiecePicker(totalLength: 0, pieceLength: 16384)
        #expect(picker.pieceCount == 0)
        #expect(picker.isComplete)
    }

    @Test func isCompleteWhenEveryWantedPieceIsVerified() {
        var fixture = PickerFixture(availability: "111", priority: "202")
        fixture.picker.pieceVerified(PieceIndex(checked: 0))
        #expect(!fixture.picker.isComplete)
        #expect(fixture.picker.wantedRemainingBytes == 4 * 16384)
        fixture.picker.pieceVerified(PieceIndex(checked: 2))
        #expect(fixture.picker.isComplete)
    }

    // MARK: - Availability

    @Test func countsAvailabilityFromEveryKindOfAnnouncement() {
        var picker = PiecePicker(totalLength: 4 * 16384, pieceLength: 16384)
        let piece = { PieceIndex(checked: $0) }
        var bits = Bitfield(count: 4)
        bits[1] = true
        bits[3] = true
        picker.peerHasBitfield(.alice, bits)
        picker.peerHas(.alice, piece: piece(1))
        picker.peerHas(.bob, piece: piece(1))
        picker.peerHasAll(.carol)
        #expect((0..<4).map { picker.availability(of: piece($0)) } == [1, 3, 1, 2])
        picker.peerLeft(.alice)
        #expect((0..<4).map { picker.availability(of: piece($0)) } == [1, 2, 1, 1])
        picker.peerLeft(.carol)
        picker.peerLeft(.bob)
        #expect((0..<4).map { picker.availability(of: piece($0)) } == [0, 0, 0, 0])
    }

    @Test func aPeerThatCollectsEveryPieceCountsAsASeed() {
        var picker = PiecePicker(totalLength: 2 * 16384, pieceLength: 16384)
        picker.peerHas(.alice, piece: PieceIndex(checked: 0))
        picker.peerHas(.alice, piece: PieceIndex(checked: 1))
        #expect(picker.knownPieces(of: .alice).isComplete)
        picker.peerLeft(.alice)
        #expect(picker.availability(of: PieceIndex(checked: 0)) == 0)
    }

    // MARK: - File priorities

    @Test func piecePriorityIsTheHighestOfItsFiles() {
        // Pieces of 10 bytes: file a covers 0..<15, b 15..<25 (zero-length c between), d 25..<40.
        let files = [
            TorrentFile(path: ["a"], length: 15, offset: 0),
            TorrentFile(path: ["b"], length: 10, offset: 15),
            TorrentFile(path: ["c"], length: 0, offset: 25),
            TorrentFile(path: ["d"], length: 15, offset: 25),
        ]
        let layout = FileLayout(files: files, pieceLength: 10)
        var picker = PiecePicker(layout: layout, blockSize: 10)
        picker.setFilePriorities([.skip, .high, .low, .skip], layout: layout)
        #expect(picker.priorities == [.skip, .high, .high, .skip])
        picker.setFilePriorities([.low, .skip, .skip, .normal], layout: layout)
        #expect(picker.priorities == [.low, .low, .normal, .normal],
                "piece 1 is shared by a wanted and a skipped file, so it is wanted")
    }

    @Test func paddingFilesNeverMakeAPieceWanted() {
        let files = [
            TorrentFile(path: ["a"], length: 10, offset: 0),
            TorrentFile(path: [".pad", "6"], length: 10, offset: 10, isPadding: true),
        ]
        let layout = FileLayout(files: files, pieceLength: 10)
        var picker = PiecePicker(layout: layout, blockSize: 10)
        picker.setFilePriorities([.normal, .normal], layout: layout)
        #expect(picker.priorities == [.normal, .skip])
    }
}
