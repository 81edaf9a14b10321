import NIOCore
import TestSupport
import Testing
import TorrentCore
@testable import SwarmLogic
@testable import WireProtocol

// The torrent of most tests: 10 pieces of 32 KiB (two blocks each); the last is 16 KiB + 100 bytes.
private let pieceLength = 32768
private let totalLength = 9 * 32768 + 16484
private let pieceCount = 10

private func piece(_ value: Int) -> PieceIndex { PieceIndex(checked: value) }

/// Block `index` (16 KiB) of `piece`, or a shorter one.
private func block(_ piece: Int, _ index: Int, length: Int = 16384) -> BlockRequest {
    BlockRequest(piece: PieceIndex(checked: piece), offset: index * 16384, length: length)
}

/// A bitfield from a picture, one character per piece: `*` for set.
private func bits(_ picture: String) -> Bitfield {
    var field = Bitfield(count: pieceCount)
    for (index, mark) in picture.enumerated() where mark == "*" { field[index] = true }
    return field
}

private let everything = Bitfield(count: pieceCount, allSet: true)
private let nothing = Bitfield(count: pieceCount)

/// The data of a block, filled with a byte that tells blocks apart.
private func data(for request: BlockRequest) -> ByteBuffer {
    let marker = UInt8(truncatingIfNeeded: request.piece.value &* 31 &+ request.offset / 16384)
    return ByteBuffer(repeating: marker, count: request.length)
}

private func makeSession(
    fast: Bool = true, extensions: Bool = true, limits: PeerSession.Limits = .init(), at now: SwarmInstant = .zero,
    pieceLength: Int = pieceLength, totalLength: Int = totalLength
) -> PeerSession {
    PeerSession(key: PeerKey(7), pieceLength: pieceLength, totalLength: totalLength, supportsFast: fast,
                supportsExtensions: extensions, at: now, limits: limits)
}

extension PeerSession {
    /// Feeds messages in order at one instant and returns every action.
    fileprivate mutating func feed(_ messages: PeerMessage..., at now: SwarmInstant = .zero,
                                   weHave: Bitfield = everything) -> [PeerAction] {
        messages.flatMap { receive($0, at: now, weHave: weHave) }
    }

    /// An unchoked peer with these requests of its own queued.
    fileprivate mutating func queueUploads(_ requests: [BlockRequest], at now: SwarmInstant = .zero) {
        _ = setChoked(false, optimistic: false, at: now)
        for request in requests { _ = receive(.request(request), at: now, weHave: everything) }
    }
}

private extension [PeerAction] {
    /// The reason of the disconnect among these actions, if any.
    var disconnectReason: String? {
        for case .disconnect(let reason) in self { return reason }
        return nil
    }
}

@Suite struct PeerSessionTests {
    // MARK: - The whole exchange

    @Test func startsChokedAndUninterestedOnBothSides() {
        let session = makeSession(at: .seconds(5))
        #expect(session.pieceCount == 10)
        #expect(session.amChoking && session.peerChoking)
        #expect(!session.amInterested && !session.peerInterested && !session.isOptimistic)
        #expect(session.has == nothing && !session.isSeed)
        #expect(session.connectedAt == .seconds(5) && session.lastBlockAt == .seconds(5))
        #expect(session.lastReceivedAt == .seconds(5) && session.lastSentAt == .seconds(5))
        #expect(session.lastUnchokedAt == nil && session.requestLimit == nil)
        #expect(session.offeredPieces() == nil)
        #expect(!session.isClosed)
    }

    /// Handshake done → extension handshake → bitfield → interested → unchoke → requests → piece
    /// → have, with the test playing the owner and a real picker choosing the blocks.
    @Test func downloadsAPieceFromBitfieldToHave() throws {
        var picker = PiecePicker(totalLength: totalLength, pieceLength: pieceLength)
        picker.initialRandomPieces = 0
        var rng = SeededGenerator(seed: 7)
        var session = makeSession()
        session.noteSent(at: .seconds(0.1))  // our handshake and extension handshake
        #expect(session.lastSentAt == .seconds(0.1))

        let handshake = ExtensionHandshake(extensions: ["ut_metadata": 2], client: "aria2", requestQueueLength: 100)
        #expect(session.receive(handshake.message, at: .seconds(1), weHave: nothing)
                == [.extended(id: 0, payload: ByteBuffer(bytes: handshake.encoded()))])
        #expect(session.requestLimit == 100)

        let theirs = bits("*.*.......")
        #expect(session.receive(.bitfield(theirs.bytes), at: .seconds(2), weHave: nothing)
                == [.peerHasBitfield(theirs, replacingEarlier: false)])
        #expect(session.has == theirs)
        picker.peerHasBitfield(session.key, theirs)

        #expect(session.setInterested(true, at: .seconds(2)) == [.send(.interested)])
        #expect(session.lastSentAt == .seconds(2))
        #expect(session.offeredPieces() == nil, "nothing to request while it chokes us")

        #expect(session.receive(.unchoke, at: .seconds(3), weHave: nothing) == [.mayRequest])
        let offered = try #require(session.offeredPieces())
        #expect(offered == theirs)
        let depth = session.pipelineDepth(at: .seconds(3), pipeline: RequestPipeline())
        #expect(depth == 4)
        let picked = picker.pickBlocks(for: session.key, peerHas: offered, count: depth, now: .seconds(3), using: &rng)
        #expect(Set(picked) == [block(0, 0), block(0, 1), block(2, 0), block(2, 1)])
        #expect(session.requested(picked, at: .seconds(3)) == picked.map { .send(.request($0)) })
        #expect(picker.outstandingRequests(of: session.key) == Set(picked), "the picker is their one owner")

        var progress = PieceProgress.inProgress
        for (index, request) in [block(0, 0), block(0, 1)].enumerated() {
            let now = SwarmInstant.seconds(4 + Double(index))
            let actions = session.receive(.piece(request.piece, offset: request.offset, block: data(for: request)),
                                          at: now, weHave: nothing)
            #expect(actions == [.block(request, data(for: request))])
            #expect(session.lastBlockAt == now)
            #expect(picker.blockReceived(request, from: session.key) == .expected(cancelFrom: []))
            progress = picker.blockWritten(request)
        }
        #expect(progress == .readyToVerify)
        picker.pieceVerified(piece(0))
        #expect(session.announceHave(piece(0), at: .seconds(6)) == [.send(.have(piece(0)))])
        #expect(picker.outstandingRequests(of: session.key) == [block(2, 0), block(2, 1)])
        #expect(session.downloadRate.total == 32768)

        #expect(session.receive(.have(piece(5)), at: .seconds(7), weHave: picker.have) == [.peerHas(piece(5))])
        #expect(session.has == bits("*.*..*...."))
        #expect(session.lastReceivedAt == .seconds(7))
        #expect(!session.isClosed)
    }

    @Test func servesAnInterestedPeerOnceUnchoked() {
        var session = makeSession()
        #expect(session.feed(.interested) == [.becameInterested])
        #expect(session.peerInterested)
        #expect(session.feed(.interested).isEmpty, "no news the second time")

        #expect(session.setChoked(false, optimistic: false, at: .seconds(10)) == [.send(.unchoke)])
        #expect(session.lastUnchokedAt == .seconds(10))
        #expect(session.feed(.request(block(3, 0)), .request(block(3, 1))) == [.uploadQueued, .uploadQueued])
        #expect(session.queuedUploads == 2)

        #expect(session.nextUpload() == block(3, 0))
        session.uploaded(block(3, 0), at: .seconds(11))
        #expect(session.uploadRate.total == 16384)
        #expect(session.lastSentAt == .seconds(11))
        #expect(session.nextUpload() == block(3, 1))
        #expect(session.nextUpload() == nil)
    }

    // MARK: - Choking and rejects of our requests

    @Test func chokeMidRequestHandsOurRequestsBack() throws {
        var picker = PiecePicker(totalLength: totalLength, pieceLength: pieceLength)
        var rng = SeededGenerator(seed: 1)
        var session = makeSession()
        _ = session.feed(.haveAll)
        picker.peerHasAll(session.key)
        _ = session.setInterested(true, at: .zero)
        #expect(session.feed(.unchoke) == [.mayRequest])
        let picked = picker.pickBlocks(for: session.key, peerHas: try #require(session.offeredPieces()), count: 3,
                                       now: .zero, using: &rng)
        _ = session.requested(picked, at: .zero)
        let first = picked[0]
        _ = session.feed(.piece(first.piece, offset: first.offset, block: data(for: first)))
        _ = picker.blockReceived(first, from: session.key)

        #expect(session.feed(.choke, at: .seconds(1)) == [.chokedUs])
        #expect(session.peerChoking)
        #expect(session.offeredPieces() == nil)
        #expect(Set(picker.releaseRequests(of: session.key)) == Set(picked.dropFirst()))
        #expect(!session.isSnubbed(at: .seconds(1000)), "a choking peer is not snubbing us")
    }

    @Test func passesRejectsToThePickerWhichSettlesOnlyItsOwnRequests() {
        var picker = PiecePicker(totalLength: totalLength, pieceLength: pieceLength)
        var session = makeSession()
        for request in [block(1, 0), block(1, 1)] { picker.markRequested(request, by: session.key, at: .zero) }
        _ = session.requested([block(1, 0), block(1, 1)], at: .zero)
        for rejected in [block(1, 0), block(1, 0), block(4, 0)] {
            let actions = session.feed(.rejectRequest(rejected))
            #expect(actions == [.requestRejected(rejected)])
            picker.requestCancelled(rejected, by: session.key)
        }
        #expect(picker.outstandingRequests(of: session.key) == [block(1, 1)],
                "a repeated or unknown reject changes nothing")
        #expect(!session.isClosed)
    }

    @Test func cancelSendsACancelAndCountsAsSending() {
        var session = makeSession()
        _ = session.requested([block(1, 0)], at: .zero)
        #expect(session.cancel(block(1, 0), at: .seconds(4)) == [.send(.cancel(block(1, 0)))])
        #expect(session.lastSentAt == .seconds(4))
    }

    @Test func allowedFastPiecesMayBeRequestedWhileChoked() {
        var session = makeSession()
        _ = session.feed(.bitfield(bits("...**.....").bytes))
        #expect(session.feed(.allowedFast(piece(3))) == [.mayRequest])
        #expect(session.allowedFast == [3])
        #expect(session.offeredPieces() == bits("...*......"))
        #expect(session.feed(.allowedFast(piece(3))).isEmpty, "already allowed")
        #expect(session.feed(.allowedFast(piece(6))) == [.mayRequest])
        #expect(session.offeredPieces() == bits("...*......"), "it does not have piece 6 yet")
        #expect(session.feed(.have(piece(6))) == [.peerHas(piece(6))])
        #expect(session.offeredPieces() == bits("...*..*..."))

        _ = session.feed(.unchoke)
        #expect(session.feed(.allowedFast(piece(4))).isEmpty, "no news while it unchokes us")
        #expect(session.offeredPieces() == bits("...**.*..."))
    }

    @Test func keepsTheAllowedFastSetBounded() {
        var limits = PeerSession.Limits()
        limits.maxAllowedFast = 3
        var session = makeSession(limits: limits)
        for index in 0..<10 { _ = session.feed(.allowedFast(piece(index))) }
        #expect(session.allowedFast == [0, 1, 2])
        var outOfRange = makeSession()
        #expect(outOfRange.feed(.allowedFast(piece(10)), .allowedFast(piece(1_000_000))).isEmpty)
        #expect(outOfRange.allowedFast.isEmpty)
        #expect(!outOfRange.isClosed)
    }

    // MARK: - News of the peer's pieces

    @Test(arguments: [0, 1, 3, 200])
    func dropsAPeerWhoseBitfieldHasTheWrongSize(byteCount: Int) throws {
        var session = makeSession()
        let actions = session.feed(.bitfield(Array(repeating: 0, count: byteCount)))
        let reason = try #require(actions.disconnectReason)
        #expect(actions.count == 1)
        #expect(reason.contains("\(byteCount) bytes") && reason.contains("10 pieces"), "\(reason)")
        #expect(session.isClosed && session.disconnectReason == reason)
    }

    @Test func dropsAPeerWhoseBitfieldSetsSpareBits() {
        var session = makeSession()
        #expect(session.feed(.bitfield([0xFF, 0xC0])) == [.peerHasBitfield(everything, replacingEarlier: false)])
        var spare = makeSession()
        #expect(spare.feed(.bitfield([0xFF, 0xE0])).disconnectReason != nil)
    }

    @Test func aLaterBitfieldReplacesTheEarlierNews() {
        var session = makeSession()
        #expect(session.feed(.bitfield(bits("*.........").bytes))
                == [.peerHasBitfield(bits("*........."), replacingEarlier: false)])
        // aria2 resends its bitfield as it progresses.
        #expect(session.feed(.bitfield(bits("**........").bytes))
                == [.peerHasBitfield(bits("**........"), replacingEarlier: true)])
        #expect(session.has == bits("**........"))

        var afterHave = makeSession()
        _ = afterHave.feed(.have(piece(9)))
        #expect(afterHave.feed(.haveAll) == [.peerHasBitfield(everything, replacingEarlier: true)])
        #expect(afterHave.isSeed)

        var afterHaveNone = makeSession()
        #expect(afterHaveNone.feed(.haveNone).isEmpty)
        #expect(afterHaveNone.feed(.bitfield(bits("..*.......").bytes))
                == [.peerHasBitfield(bits("..*......."), replacingEarlier: true)])
    }

    @Test func haveAllMakesTheFirstNewsAFullBitfield() {
        var session = makeSession()
        #expect(session.feed(.haveAll) == [.peerHasBitfield(everything, replacingEarlier: false)])
        #expect(session.isSeed)
        #expect(session.feed(.have(piece(2))).isEmpty, "a seed has it already")
    }

    @Test func dropsAPeerWhoseHaveIsOutOfRange() throws {
        var session = makeSession()
        let reason = try #require(session.feed(.have(piece(10))).disconnectReason)
        #expect(reason.contains("10"))
        #expect(session.has == nothing)
    }

    @Test func ignoresAHaveForAPieceItAlreadyHas() {
        var session = makeSession()
        #expect(session.feed(.have(piece(3))) == [.peerHas(piece(3))])
        #expect(session.feed(.have(piece(3))).isEmpty)
        #expect(session.has == bits("...*......"))
    }

    @Test func dropsAPeerSendingHaveAllOrHaveNoneWithoutTheFastExtension() {
        var all = makeSession(fast: false)
        #expect(all.feed(.haveAll) == [.disconnect(reason: "have-all without the fast extension")])
        #expect(all.has == nothing)
        var none = makeSession(fast: false)
        #expect(none.feed(.haveNone) == [.disconnect(reason: "have-none without the fast extension")])
    }

    // MARK: - The peer's requests

    @Test func rejectsRequestsWhileWeChokeWithTheFastExtension() {
        var session = makeSession()
        #expect(session.feed(.request(block(0, 0)), at: .seconds(3)) == [.send(.rejectRequest(block(0, 0)))])
        #expect(session.lastSentAt == .seconds(3))
        #expect(session.queuedUploads == 0)
        #expect(session.nextUpload() == nil)
    }

    @Test func dropsRequestsWhileWeChokeWithoutTheFastExtension() {
        var session = makeSession(fast: false)
        #expect(session.feed(.request(block(0, 0)), at: .seconds(3)).isEmpty)
        #expect(session.queuedUploads == 0)
        #expect(session.lastSentAt == .zero)
        #expect(!session.isClosed)
    }

    @Test func refusesRequestsForPiecesWeLack() {
        var session = makeSession()
        _ = session.setChoked(false, optimistic: false, at: .zero)
        #expect(session.feed(.request(block(2, 0)), weHave: bits("**........")) == [.send(.rejectRequest(block(2, 0)))])
        #expect(session.feed(.request(block(1, 0)), weHave: bits("**........")) == [.uploadQueued])
        #expect(session.feed(.request(block(1, 1)), weHave: Bitfield(count: 0)) == [.send(.rejectRequest(block(1, 1)))])
        var plain = makeSession(fast: false)
        _ = plain.setChoked(false, optimistic: false, at: .zero)
        #expect(plain.feed(.request(block(2, 0)), weHave: nothing).isEmpty)
        #expect(session.queuedUploads == 1 && plain.queuedUploads == 0)
    }

    @Test func ignoresADuplicateOfAQueuedRequest() {
        var session = makeSession()
        session.queueUploads([block(4, 0)])
        #expect(session.feed(.request(block(4, 0))).isEmpty)
        #expect(session.queuedUploads == 1)
        #expect(session.nextUpload() == block(4, 0))
        #expect(session.feed(.request(block(4, 0))) == [.uploadQueued], "served, so it may ask again")
    }

    /// A million distinct requests: the queue stays within `maxQueuedUploads` and the peer is
    /// dropped at the 50th refused for a full queue.
    @Test(arguments: [true, false])
    func boundsARequestFloodAndDropsThePeer(fast: Bool) {
        let oneMiB = 1 << 20
        var session = makeSession(fast: fast, pieceLength: oneMiB, totalLength: oneMiB)
        _ = session.setChoked(false, optimistic: false, at: .zero)
        let weHave = Bitfield(count: 1, allSet: true)
        var largestQueue = 0
        var queued = 0
        var rejects = 0
        var disconnects: [Int] = []
        for offset in 0..<1_000_000 {
            let request = BlockRequest(piece: piece(0), offset: offset, length: 1)
            for action in session.receive(.request(request), at: .zero, weHave: weHave) {
                switch action {
                case .uploadQueued: queued += 1
                case .send(.rejectRequest): rejects += 1
                case .disconnect: disconnects.append(offset)
                default: Issue.record("unexpected \(action)")
                }
            }
            largestQueue = max(largestQueue, session.queuedUploads)
        }
        #expect(largestQueue == 500)
        #expect(queued == 500)
        #expect(rejects == (fast ? 49 : 0))
        #expect(disconnects == [549])
        #expect(session.disconnectReason?.hasPrefix("flooding requests") == true)
        #expect(session.nextUpload() == nil, "a dropped peer is served nothing")
    }

    @Test(arguments: [
        block(10, 0),                   // no such piece
        block(0, 0, length: 0),         // empty
        block(0, 0, length: 16385),     // longer than the limit
        BlockRequest(piece: PieceIndex(checked: 0), offset: -1, length: 16384),
        BlockRequest(piece: PieceIndex(checked: 0), offset: 16385, length: 16384),  // past the end of a piece
        block(9, 1, length: 101),       // past the end of the shorter last piece
        BlockRequest(piece: PieceIndex(checked: 0), offset: Int.max, length: 16384),
    ])
    func dropsAPeerForARequestOutsideThePieces(request: BlockRequest) throws {
        var limits = PeerSession.Limits()
        limits.maxRequestLength = 16384
        var session = makeSession(limits: limits)
        session.queueUploads([])
        let reason = try #require(session.feed(.request(request)).disconnectReason)
        #expect(reason.contains("\(request)"))
        #expect(session.queuedUploads == 0)
    }

    @Test(arguments: [
        block(10, 0),
        block(0, 0, length: 0),
        block(0, 0, length: 16385),
        BlockRequest(piece: PieceIndex(checked: 0), offset: -1, length: 16384),
        BlockRequest(piece: PieceIndex(checked: 0), offset: 16385, length: 16384),
        block(9, 1, length: 101),
    ])
    func dropsAPeerForABlockOutsideThePieces(request: BlockRequest) {
        var limits = PeerSession.Limits()
        limits.maxRequestLength = 16384
        var session = makeSession(limits: limits)
        _ = session.requested([request], at: .zero)
        let actions = session.feed(.piece(request.piece, offset: request.offset, block: data(for: request)),
                                   at: .seconds(1))
        #expect(actions.disconnectReason != nil)
        #expect(actions.count == 1)
        #expect(session.downloadRate.total == 0)
        #expect(session.lastBlockAt == .zero)
    }

    @Test func acceptsTheShortLastBlockOfTheLastPiece() {
        var session = makeSession()
        session.queueUploads([block(9, 1, length: 100)])
        #expect(session.queuedUploads == 1)
        let last = block(9, 1, length: 100)
        #expect(session.feed(.piece(last.piece, offset: last.offset, block: data(for: last)))
                == [.block(last, data(for: last))])
        #expect(!session.isClosed)
    }

    @Test func cancelRemovesAQueuedUpload() {
        var session = makeSession()
        session.queueUploads([block(1, 0), block(1, 1), block(2, 0)])
        #expect(session.feed(.cancel(block(1, 1))).isEmpty)
        #expect(session.feed(.cancel(block(5, 0))).isEmpty)
        #expect(session.queuedUploads == 2)
        #expect(session.nextUpload() == block(1, 0))
        #expect(session.nextUpload() == block(2, 0))
        #expect(session.nextUpload() == nil)
    }

    @Test func notInterestedClearsTheUploadQueue() {
        var session = makeSession()
        _ = session.feed(.interested)
        session.queueUploads([block(1, 0), block(1, 1)])
        #expect(session.feed(.notInterested) == [.lostInterest])
        #expect(!session.peerInterested)
        #expect(session.feed(.notInterested).isEmpty, "a repeated not-interested frees no slot again")
        #expect(session.queuedUploads == 0)
        #expect(session.nextUpload() == nil)
    }

    /// Found by the peer-session fuzz target: requests queued from a peer that never said it was
    /// interested must go too when it says it is not.
    @Test func notInterestedClearsTheQueueOfAPeerThatNeverSaidInterested() {
        var session = makeSession()
        session.queueUploads([block(1, 0)])
        #expect(session.feed(.notInterested).isEmpty, "no slot to free")
        #expect(session.queuedUploads == 0)
    }

    @Test func chokingThePeerRejectsWhatItQueued() {
        var session = makeSession()
        session.queueUploads([block(1, 0), block(1, 1)])
        #expect(session.setChoked(true, optimistic: false, at: .seconds(5))
                == [.send(.rejectRequest(block(1, 0))), .send(.rejectRequest(block(1, 1))), .send(.choke)])
        #expect(session.queuedUploads == 0 && session.amChoking)
        #expect(session.lastSentAt == .seconds(5))

        var plain = makeSession(fast: false)
        plain.queueUploads([block(1, 0)])
        #expect(plain.setChoked(true, optimistic: false, at: .zero) == [.send(.choke)])
        #expect(plain.queuedUploads == 0)
    }

    @Test func servesNothingWhileChoking() {
        var session = makeSession()
        session.queueUploads([block(1, 0)])
        _ = session.setChoked(true, optimistic: false, at: .zero)
        #expect(session.nextUpload() == nil)
    }

    @Test func refusesAnUploadThatCouldNotBeRead() {
        var session = makeSession()
        #expect(session.uploadFailed(block(1, 0), at: .seconds(2)) == [.send(.rejectRequest(block(1, 0)))])
        #expect(session.lastSentAt == .seconds(2))
        var plain = makeSession(fast: false)
        #expect(plain.uploadFailed(block(1, 0), at: .seconds(2)).isEmpty)
    }

    // MARK: - Our side

    @Test func sendsInterestOnlyWhenItChanges() {
        var session = makeSession()
        #expect(session.setInterested(false, at: .zero).isEmpty)
        #expect(session.setInterested(true, at: .zero) == [.send(.interested)])
        #expect(session.setInterested(true, at: .zero).isEmpty)
        #expect(session.setInterested(false, at: .zero) == [.send(.notInterested)])
        #expect(!session.amInterested)
    }

    @Test func tracksTheOptimisticSlotEvenWithoutAMessage() {
        var session = makeSession()
        #expect(session.setChoked(false, optimistic: true, at: .seconds(10)) == [.send(.unchoke)])
        #expect(session.isOptimistic && !session.amChoking)
        #expect(session.lastUnchokedAt == .seconds(10))
        // Promoted to a regular slot: nothing goes out, the flag follows.
        #expect(session.setChoked(false, optimistic: false, at: .seconds(20)).isEmpty)
        #expect(!session.isOptimistic)
        #expect(session.lastUnchokedAt == .seconds(10))
        #expect(session.setChoked(true, optimistic: true, at: .seconds(30)) == [.send(.choke)])
        #expect(!session.isOptimistic && session.amChoking)
        #expect(session.setChoked(true, optimistic: false, at: .seconds(40)).isEmpty)
    }

    @Test func pipelineDepthFollowsTheRateAndThePeersQueue() {
        var session = makeSession()
        let pipeline = RequestPipeline()
        #expect(session.pipelineDepth(at: .zero, pipeline: pipeline) == 4, "a new peer gets the floor")

        // 1 MiB in one second.
        for index in 0..<64 {
            let request = block(index % 9, index % 2)
            _ = session.receive(.piece(request.piece, offset: request.offset, block: data(for: request)),
                                at: .seconds(10 + Double(index) / 64), weHave: nothing)
        }
        #expect(session.pipelineDepth(at: .seconds(11), pipeline: pipeline) == 128)

        let reqq = ExtensionHandshake(requestQueueLength: 50)
        _ = session.receive(reqq.message, at: .seconds(11), weHave: nothing)
        #expect(session.requestLimit == 50)
        #expect(session.pipelineDepth(at: .seconds(11), pipeline: pipeline) == 50)
        #expect(session.pipelineDepth(at: .seconds(60), pipeline: pipeline) == 4, "the rate has gone")

        var tiny = makeSession()
        _ = tiny.receive(ExtensionHandshake(requestQueueLength: 2).message, at: .zero, weHave: nothing)
        #expect(tiny.pipelineDepth(at: .zero, pipeline: pipeline) == 2)
    }

    // MARK: - Extensions and the DHT

    @Test func passesExtensionMessagesToTheOwner() {
        var session = makeSession()
        let garbage = ByteBuffer(bytes: Array("not bencode".utf8))
        #expect(session.feed(.extended(id: 0, payload: garbage)) == [.extended(id: 0, payload: garbage)])
        #expect(session.requestLimit == nil)
        let pex = ByteBuffer(bytes: Array("d5:added0:e".utf8))
        #expect(session.feed(.extended(id: 1, payload: pex)) == [.extended(id: 1, payload: pex)])
        #expect(!session.isClosed)
    }

    @Test func reportsTheDHTPort() {
        var session = makeSession()
        #expect(session.feed(.port(6881)) == [.dhtPort(6881)])
        #expect(session.feed(.port(0)).isEmpty)
        #expect(session.feed(.suggestPiece(piece(2)), .keepAlive).isEmpty)
    }

    // MARK: - Time

    @Test func sendsAKeepAliveAfterNinetySecondsOfSilence() {
        var session = makeSession()
        #expect(session.tick(at: .seconds(89)).isEmpty)
        #expect(session.tick(at: .seconds(90)) == [.send(.keepAlive)])
        #expect(session.lastSentAt == .seconds(90))
        #expect(session.tick(at: .seconds(91)).isEmpty)

        _ = session.feed(.keepAlive, at: .seconds(100))
        _ = session.setInterested(true, at: .seconds(150))
        #expect(session.tick(at: .seconds(200)).isEmpty, "the interested message counts")
        session.noteSent(at: .seconds(220))  // an extension message the owner wrote
        #expect(session.tick(at: .seconds(260)).isEmpty)
        #expect(session.tick(at: .seconds(270)).isEmpty, "received at 100: not idle yet")
        #expect(session.tick(at: .seconds(275)).isEmpty)
        _ = session.feed(.keepAlive, at: .seconds(276))
        #expect(session.tick(at: .seconds(310)) == [.send(.keepAlive)])
    }

    @Test func dropsAPeerSilentForTheIdleTimeout() throws {
        var session = makeSession()
        _ = session.feed(.keepAlive, at: .seconds(10))
        #expect(session.lastReceivedAt == .seconds(10))
        #expect(session.tick(at: .seconds(189)) == [.send(.keepAlive)], "still alive, only quiet")
        let reason = try #require(session.tick(at: .seconds(190)).disconnectReason)
        #expect(reason.contains("180"), "\(reason)")
        #expect(session.isClosed)
        #expect(session.tick(at: .seconds(191)).isEmpty)
        #expect(session.feed(.unchoke, at: .seconds(192)).isEmpty, "a closed session ignores the peer")
        #expect(session.peerChoking)
    }

    @Test func honoursConfiguredTimeouts() {
        var limits = PeerSession.Limits()
        limits.keepAliveAfter = .seconds(5)
        limits.idleTimeout = .seconds(12)
        var session = makeSession(limits: limits)
        #expect(session.tick(at: .seconds(5)) == [.send(.keepAlive)])
        #expect(session.tick(at: .seconds(12)).disconnectReason != nil)
    }

    @Test func countsAPeerThatUnchokedUsButSendsNothingAsSnubbing() {
        var session = makeSession()
        _ = session.feed(.haveAll)
        #expect(!session.isSnubbed(at: .seconds(1000)), "not interested: no expectation")
        _ = session.setInterested(true, at: .zero)
        #expect(!session.isSnubbed(at: .seconds(1000)), "it chokes us: no expectation")

        _ = session.feed(.unchoke, at: .seconds(10))
        #expect(session.lastBlockAt == .seconds(10))
        #expect(!session.isSnubbed(at: .seconds(69)))
        #expect(session.isSnubbed(at: .seconds(70)))

        let request = block(0, 0)
        _ = session.feed(.piece(request.piece, offset: request.offset, block: data(for: request)), at: .seconds(75))
        #expect(!session.isSnubbed(at: .seconds(134)))
        #expect(session.isSnubbed(at: .seconds(135)))
    }

    @Test func ignoresEverythingOnceItAskedToDisconnect() {
        var session = makeSession()
        _ = session.feed(.have(piece(99)))
        #expect(session.isClosed)
        #expect(session.feed(.unchoke, .interested, .haveAll).isEmpty)
        #expect(session.setInterested(true, at: .zero).isEmpty)
        #expect(session.setChoked(false, optimistic: false, at: .zero).isEmpty)
        #expect(session.requested([block(0, 0)], at: .zero).isEmpty)
        #expect(session.announceHave(piece(0), at: .zero).isEmpty)
        #expect(session.peerChoking && !session.peerInterested && session.has == nothing)
    }

    // MARK: - Bytes from the wire

    /// A `ut_pex` message adding 127.0.0.1:6881.
    private static let pexPayload = ByteBuffer(
        bytes: Array("d5:added6:".utf8) + [127, 0, 0, 1, 0x1A, 0xE1] + Array("e".utf8))

    /// What a peer sends after we unchoked it and asked it for three blocks.
    private static let wireMessages: [PeerMessage] = [
        ExtensionHandshake(extensions: ["ut_pex": 1, "ut_metadata": 2], client: "libtorrent",
                           listenPort: 6881, requestQueueLength: 64).message,
        .bitfield(bits("*****.....").bytes),
        .allowedFast(piece(7)),
        .have(piece(7)),
        .interested,
        .unchoke,
        .piece(piece(0), offset: 0, block: data(for: block(0, 0))),
        .piece(piece(0), offset: 16384, block: data(for: block(0, 1))),
        .request(block(9, 1, length: 100)),
        .keepAlive,
        .suggestPiece(piece(3)),
        .port(6881),
        .rejectRequest(block(1, 0)),
        .request(block(8, 0)),
        .cancel(block(8, 0)),
        .choke,
        .extended(id: 1, payload: pexPayload),
        .have(piece(8)),
        .bitfield(bits("******..**").bytes),
        .notInterested,
    ]

    /// The owner's side before the peer talks: we unchoked it and asked for three blocks.
    private static func wireSession() -> PeerSession {
        var session = makeSession()
        _ = session.setChoked(false, optimistic: false, at: .zero)
        _ = session.requested([block(0, 0), block(0, 1), block(1, 0)], at: .zero)
        return session
    }

    /// Feeds `bytes` through the frame decoder in chunks of `chunkSize` into a fresh session; the
    /// n-th decoded message arrives at n seconds, so the chunking cannot change the times.
    private static func actions(
        feeding bytes: [UInt8], chunkSize: Int
    ) throws -> (messages: Int, actions: [PeerAction]) {
        var session = wireSession()
        let processor = NIOSingleStepByteToMessageProcessor(PeerFrameDecoder(pieceCount: pieceCount))
        var actions: [PeerAction] = []
        var count = 0
        var start = 0
        while start < bytes.count {
            let chunk = ByteBuffer(bytes: bytes[start..<min(start + chunkSize, bytes.count)])
            try processor.process(buffer: chunk) { message in
                count += 1
                actions += session.receive(message, at: .seconds(Double(count)), weHave: everything)
            }
            start += chunkSize
        }
        try processor.finishProcessing(seenEOF: true) { _ in Issue.record("a frame left over") }
        return (count, actions)
    }

    @Test func actsTheSameWhateverTheChunkingOfTheBytes() throws {
        let encoder = PeerMessageEncoder()
        var wire = ByteBuffer()
        for message in Self.wireMessages { encoder.encode(message, into: &wire) }
        let bytes = wire.readBytes(length: wire.readableBytes) ?? []

        // The reference: each message handed over whole, no decoder.
        var session = Self.wireSession()
        var expected: [PeerAction] = []
        for (index, message) in Self.wireMessages.enumerated() {
            expected += session.receive(message, at: .seconds(Double(index + 1)), weHave: everything)
        }
        #expect(expected == [
            .extended(id: 0, payload: ByteBuffer(bytes: (Self.wireMessages[0].extendedPayload ?? []))),
            .peerHasBitfield(bits("*****....."), replacingEarlier: false),
            .mayRequest,
            .peerHas(piece(7)),
            .becameInterested,
            .mayRequest,
            .block(block(0, 0), data(for: block(0, 0))),
            .block(block(0, 1), data(for: block(0, 1))),
            .uploadQueued,
            .dhtPort(6881),
            .requestRejected(block(1, 0)),
            .uploadQueued,
            .chokedUs,
            .extended(id: 1, payload: Self.pexPayload),
            .peerHas(piece(8)),
            .peerHasBitfield(bits("******..**"), replacingEarlier: true),
            .lostInterest,
        ])
        #expect(session.requestLimit == 64)
        #expect(session.queuedUploads == 0, "cancelled, then cleared by not-interested")
        #expect(session.lastReceivedAt == .seconds(Double(Self.wireMessages.count)))

        for chunkSize in [1, 7, 4096] {
            let fed = try Self.actions(feeding: bytes, chunkSize: chunkSize)
            #expect(fed.messages == Self.wireMessages.count, "chunks of \(chunkSize)")
            #expect(fed.actions == expected, "chunks of \(chunkSize)")
        }
    }
}

private extension PeerMessage {
    /// The payload bytes of an extended message.
    var extendedPayload: [UInt8]? {
        guard case .extended(_, let payload) = self else { return nil }
        return payload.getBytes(at: payload.readerIndex, length: payload.readableBytes)
    }
}
