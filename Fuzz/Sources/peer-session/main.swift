// PeerSession, stateful: the input is a torrent shape and a script of steps, each a message from
// the peer (built compactly, or a raw frame through `PeerFrameDecoder`), a call the owner makes
// (choke, interest, serve an upload, our requests, a tick) or time passing. After every step the
// session must stay inside its `Limits`, every action must make sense for the torrent, and the
// upload queue must match a model of it: the requests queued, minus cancels, cleared by choking
// or lost interest, served oldest first.
import FuzzSupport
import NIOCore
import SwarmLogic
import TorrentCore
import WireProtocol

struct Script {
    var input: FuzzInput
    let pieceCount: Int
    let pieceLength: Int

    /// A piece index, now and then past the end.
    mutating func piece() -> PieceIndex {
        PieceIndex(checked: input.index(below: pieceCount + 2))
    }

    /// A block: offsets and lengths of the usual 16 KiB grid, small ones, or anything.
    mutating func block() -> BlockRequest {
        let piece = piece()
        let kind = input.byte()
        let offset: Int
        switch kind & 3 {
        case 0: offset = 0
        case 1: offset = Int(input.byte()) * 16 * 1024
        case 2: offset = Int(input.uint16())
        default: offset = Int(input.uint32())
        }
        let length: Int
        switch (kind >> 2) & 3 {
        case 0: length = min(16 * 1024, pieceLength)
        case 1: length = Int(input.byte())
        case 2: length = Int(input.uint16())
        default: length = Int(input.uint32())
        }
        return BlockRequest(piece: piece, offset: offset, length: length)
    }

    /// A message from the peer; nil when a raw frame does not decode (the connection would close).
    mutating func message() -> PeerMessage? {
        switch input.byte() % 18 {
        case 0: return .keepAlive
        case 1: return .choke
        case 2: return .unchoke
        case 3: return .interested
        case 4: return .notInterested
        case 5: return .have(piece())
        case 6:
            let length = (pieceCount + 7) / 8 + Int(input.byte() % 3) - 1
            return .bitfield(input.take(max(0, length)) + (input.bool() ? [0xFF] : []))
        case 7: return .request(block())
        case 8: return .cancel(block())
        case 9:
            let request = block()
            let size = min(request.length, 140 * 1024)
            return .piece(request.piece, offset: request.offset, block: ByteBuffer(repeating: 0xAB, count: size))
        case 10: return .port(input.uint16())
        case 11: return .suggestPiece(piece())
        case 12: return .haveAll
        case 13: return .haveNone
        case 14: return .rejectRequest(block())
        case 15: return .allowedFast(piece())
        case 16: return .extended(id: input.byte() % 3, payload: ByteBuffer(bytes: input.chunk()))
        default:
            // A raw frame as the connection would decode it for this torrent.
            var buffer = ByteBuffer(bytes: input.chunk())
            return try? PeerFrameDecoder(pieceCount: pieceCount).decodeFrame(from: &buffer)
        }
    }
}

func check(_ actions: [PeerAction], of session: PeerSession, wasClosed: Bool, pieceLength: Int, totalLength: Int) {
    if wasClosed { expect(actions.isEmpty, "a closed session acted: \(actions)") }
    for action in actions {
        switch action {
        case .disconnect:
            expect(session.isClosed, "asked to disconnect but is not closed")
        case .peerHas(let piece):
            expect(piece.value < session.pieceCount && session.has[piece], "peer has \(piece) of \(session.pieceCount)")
        case .peerHasBitfield(let field, _):
            expect(field.count == session.pieceCount && field == session.has, "bitfield does not match the session")
        case .block(let request, let data):
            expect(request.length == data.readableBytes, "block \(request) carries \(data.readableBytes) bytes")
            let inTorrent = request.piece.value < session.pieceCount && request.length > 0
                && request.length <= session.limits.maxRequestLength && request.offset >= 0
            let size = min(pieceLength, totalLength - request.piece.value * pieceLength)
            expect(inTorrent && request.offset + request.length <= size, "block \(request) outside the torrent")
        case .send(.rejectRequest):
            expect(session.supportsFast, "a reject sent to a peer without the fast extension")
        case .dhtPort(let port):
            expect(port != 0, "DHT port 0")
        default:
            break
        }
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    var input = FuzzInput(start, count)
    let pieceLength = 1 + Int(input.uint16()) * (input.bool() ? 1 : 16)
    let totalLength = Int(input.uint32()) % (pieceLength * 1024 + 1)
    let flags = input.byte()
    var limits = PeerSession.Limits()
    if flags & 4 != 0 {
        limits.maxQueuedUploads = Int(input.byte() % 16)
        limits.floodStrikes = 1 + Int(input.byte() % 8)
        limits.maxAllowedFast = Int(input.byte() % 8)
        limits.maxRequestLength = 1 + Int(input.uint16())
    }
    var now = SwarmInstant.zero
    var session = PeerSession(key: PeerKey(1), pieceLength: pieceLength, totalLength: totalLength,
                              supportsFast: flags & 1 != 0, supportsExtensions: flags & 2 != 0, at: now, limits: limits)
    let pieceCount = session.pieceCount
    expect(pieceCount == (totalLength + pieceLength - 1) / pieceLength, "piece count \(pieceCount)")

    var weHave = Bitfield(count: pieceCount, allSet: flags & 8 != 0)
    if flags & 16 != 0 {
        for piece in 0..<pieceCount where piece % 3 == 0 { weHave[piece].toggle() }
    }
    var script = Script(input: input, pieceCount: pieceCount, pieceLength: pieceLength)
    /// The upload queue as it should be.
    var queue: [BlockRequest] = []

    for _ in 0..<4096 where !script.input.isAtEnd {
        let wasClosed = session.isClosed
        let wasChoking = session.amChoking
        var actions: [PeerAction] = []
        switch script.input.byte() % 12 {
        case 0, 1, 2, 3, 4:
            guard let message = script.message() else { continue }
            actions = session.receive(message, at: now, weHave: weHave)
            if !wasClosed {
                switch message {
                case .request(let request) where actions == [.uploadQueued]:
                    expect(!queue.contains(request), "a duplicate request was queued")
                    expect(weHave[request.piece], "a request for a piece we lack was queued")
                    queue.append(request)
                case .cancel(let request): queue.removeAll { $0 == request }
                case .notInterested: queue.removeAll()
                default: break
                }
            }
        case 5:
            let choke = script.input.bool()
            actions = session.setChoked(choke, optimistic: script.input.bool(), at: now)
            if !wasClosed && choke && !wasChoking {
                if session.supportsFast {
                    expect(Array(actions.dropLast()) == queue.map { .send(.rejectRequest($0)) },
                           "choking did not reject the queue in order")
                }
                queue.removeAll()
            }
        case 6:
            actions = session.setInterested(script.input.bool(), at: now)
        case 7:
            let served = session.nextUpload()
            if session.amChoking || session.isClosed {
                expect(served == nil, "an upload was served while choking or closed")
            } else {
                expect(served == queue.first, "served \(served.map { "\($0)" } ?? "nothing"), expected \(queue.first.map { "\($0)" } ?? "nothing")")
                if served != nil { queue.removeFirst() }
            }
            if let served {
                if script.input.bool() {
                    session.uploaded(served, at: now)
                } else {
                    actions = session.uploadFailed(served, at: now)
                }
            }
        case 8:
            let blocks = (0..<Int(script.input.byte() % 4)).map { _ in script.block() }
            actions = session.requested(blocks, at: now)
        case 9:
            actions = script.input.bool() ? session.cancel(script.block(), at: now)
                : pieceCount > 0 ? session.announceHave(PieceIndex(checked: script.input.index(below: pieceCount)), at: now) : []
        case 10:
            now = now.advanced(by: .milliseconds(Int64(script.input.uint16()) * 10))
            actions = session.tick(at: now)
        default:
            session.noteSent(at: now)
            _ = session.isSnubbed(at: now)
            _ = session.pipelineDepth(at: now, pipeline: RequestPipeline())
        }

        check(actions, of: session, wasClosed: wasClosed, pieceLength: pieceLength, totalLength: totalLength)
        expect(session.queuedUploads <= limits.maxQueuedUploads,
               "\(session.queuedUploads) queued uploads beyond the limit of \(limits.maxQueuedUploads)")
        if !session.isClosed {
            expect(session.queuedUploads == queue.count, "\(session.queuedUploads) queued uploads, model has \(queue.count)")
        }
        expect(session.allowedFast.count <= limits.maxAllowedFast, "\(session.allowedFast.count) allowed-fast pieces")
        expect(session.allowedFast.allSatisfy { $0 >= 0 && $0 < pieceCount }, "allowed-fast piece out of range")
        expect(session.has.count == pieceCount, "the peer's bitfield changed size")
        if let offered = session.offeredPieces() {
            expect(offered.count == pieceCount && !offered.isEmpty, "offered pieces of the wrong shape")
            expect(offered.setIndices.allSatisfy { session.has[$0] }, "offered a piece the peer does not have")
        }
        if let limit = session.requestLimit {
            expect(limit > 0 && limit <= ExtensionHandshake.maxRequestQueueLength, "reqq \(limit) believed")
        }
    }
    return 0
}
