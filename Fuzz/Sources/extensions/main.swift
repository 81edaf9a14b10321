// BEP 10 and its messages: the extension handshake, ut_metadata (BEP 9) and ut_pex (BEP 11)
// decoders, plus the two pieces of state that act on what they decode: `PexState` and, driven by
// a script of peers joining, asking, answering (honestly, wrongly or with fuzzed messages) and
// timing out, `MetadataAssembler`. The first byte picks which.
import FuzzSupport
import NIOCore
import SwarmLogic
import TorrentCore
import WireProtocol

func fuzzHandshake(_ bytes: [UInt8]) {
    let fromBytes = try? ExtensionHandshake(decoding: bytes)
    let fromBuffer = try? ExtensionHandshake(decoding: ByteBuffer(bytes: bytes))
    expect(fromBytes == fromBuffer, "the [UInt8] and ByteBuffer decoders disagree")
    guard let handshake = fromBytes else { return }
    if let reqq = handshake.requestQueueLength {
        expect(reqq > 0 && reqq <= ExtensionHandshake.maxRequestQueueLength, "reqq \(reqq) believed")
    }
    if let size = handshake.metadataSize {
        expect(size > 0 && size <= ExtensionHandshake.maxMetadataSize, "metadata_size \(size) believed")
    }
    expect(handshake.listenPort != 0, "listen port 0 believed")
    if let ip = handshake.yourIP { expect(ip.count == 4 || ip.count == 16, "yourip of \(ip.count) bytes") }
    let again = try? ExtensionHandshake(decoding: handshake.encoded())
    expect(again?.extensions == handshake.extensions && again?.listenPort == handshake.listenPort
           && again?.requestQueueLength == handshake.requestQueueLength && again?.yourIP == handshake.yourIP
           && again?.metadataSize == handshake.metadataSize, "the handshake does not survive encoding")
    _ = handshake.messageID(for: ExtensionHandshake.Name.metadata)
}

func checkMetadata(_ message: MetadataMessage) {
    expect(message.piece >= 0 && message.piece < MetadataMessage.maxPieceCount, "metadata piece \(message.piece) believed")
    if case .data(let piece, let totalSize, let data) = message {
        expect(totalSize > 0 && totalSize <= MetadataMessage.maxTotalSize, "metadata total size \(totalSize) believed")
        expect(piece < MetadataMessage.pieceCount(totalSize: totalSize), "piece \(piece) past the end")
        expect(data.count == MetadataMessage.length(ofPiece: piece, totalSize: totalSize), "piece of \(data.count) bytes")
    }
    expect((try? MetadataMessage(decoding: message.encoded())) == message, "\(message) does not survive encoding")
}

func fuzzPex(_ bytes: [UInt8]) {
    guard let message = try? PexMessage(decoding: bytes) else { return }
    expect(message.added.count <= 2 * PexMessage.maxEntriesRead, "\(message.added.count) added peers read")
    expect(message.dropped.count <= 2 * PexMessage.maxEntriesRead, "\(message.dropped.count) dropped peers read")
    expect(message.added.allSatisfy { $0.endpoint.port != 0 } && message.dropped.allSatisfy { $0.port != 0 },
           "a peer with port 0 was read")
    let again = try? PexMessage(decoding: message.encoded())
    expect(again == message, "the PEX message does not survive encoding")

    var state = PexState(connectedAt: .zero)
    let first = state.accept(message, at: .seconds(30))
    expect(first.count <= PexState.maxPerMessage && Set(first).count == first.count, "accepted \(first.count) peers")
    expect(state.accept(message, at: .seconds(31)).isEmpty, "a second message within the interval was acted on")
    let reply = state.nextMessage(current: message.added, at: .seconds(60))
    expect((reply?.added.count ?? 0) <= PexState.maxPerMessage, "sent \(reply?.added.count ?? 0) added peers")
}

// MARK: - Metadata assembly

func fuzzAssembler(_ input: inout FuzzInput) {
    // The true info dictionary: any bytes will do, the assembler only checks the hash.
    let size = 1 + Int(input.uint16()) % (3 * MetadataMessage.pieceSize)
    let truth = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
    var assembler = MetadataAssembler(infoHash: InfoHash(hashingInfo: truth))
    assembler.requestsPerPeer = 1 + Int(input.byte() % 4)
    var now = SwarmInstant.zero
    let peers = (0..<4).map { PeerKey(UInt64($0)) }
    var completed = false

    for _ in 0..<512 where !input.isAtEnd {
        let peer = peers[input.index(below: peers.count)]
        switch input.byte() % 8 {
        case 0:
            let announced: Int?
            switch input.byte() % 4 {
            case 0: announced = size
            case 1: announced = nil
            case 2: announced = Int(input.uint32())
            default: announced = size + 1
            }
            assembler.peerJoined(peer, metadataSize: announced)
        case 1:
            assembler.peerLeft(peer)
        case 2:
            let asked = assembler.nextRequests(for: peer, now: now)
            expect(asked.count <= assembler.requestsPerPeer, "asked one peer for \(asked.count) pieces")
            let total = assembler.progress.total
            expect(asked.allSatisfy { $0 >= 0 && $0 < total }, "asked for a piece outside \(total)")
            expect(Set(asked).count == asked.count, "asked for a piece twice")
        case 3:
            now = now.advanced(by: .seconds(Int64(input.byte())))
            _ = assembler.expireRequests(now: now)
        case 4, 5:
            // An answer built by the harness: the true piece, or a wrong one.
            let piece = input.index(below: MetadataMessage.pieceCount(totalSize: size) + 1)
            let honest = input.byte() % 4 != 0
            let start = piece * MetadataMessage.pieceSize
            var data = start < size ? Array(truth[start..<min(size, start + MetadataMessage.pieceSize)]) : []
            if !honest, !data.isEmpty { data[0] ^= 0xFF }
            completed = arrived(assembler.received(piece: piece, totalSize: size, data: data, from: peer), &assembler, truth) || completed
        default:
            // A fuzzed ut_metadata message from the peer, decoded as the connection would.
            guard let message = try? MetadataMessage(decoding: input.chunk()) else { continue }
            switch message {
            case .data(let piece, let totalSize, let data):
                completed = arrived(assembler.received(piece: piece, totalSize: totalSize, data: data, from: peer),
                                    &assembler, truth) || completed
            case .reject(let piece):
                assembler.rejected(piece: piece, by: peer)
                expect(assembler.skipped.contains(peer), "a peer that rejected is still asked")
            case .request:
                break
            }
        }
        let progress = assembler.progress
        expect(progress.received <= progress.total, "\(progress.received) of \(progress.total) pieces")
        if let total = assembler.totalSize {
            expect(total > 0 && total <= MetadataMessage.maxTotalSize, "assembling \(total) bytes")
            expect(progress.total == MetadataMessage.pieceCount(totalSize: total), "\(progress.total) pieces for \(total) bytes")
        }
        expect(assembler.usablePeers <= peers.count, "\(assembler.usablePeers) usable peers")
        expect(assembler.isComplete == completed, "complete without handing over the dictionary")
        if completed { expect(peers.allSatisfy { assembler.nextRequests(for: $0, now: now).isEmpty }, "asks after completing") }
    }
}

/// Checks what the assembler said about a piece; true when it handed over the whole dictionary.
func arrived(_ arrival: MetadataArrival, _ assembler: inout MetadataAssembler, _ truth: [UInt8]) -> Bool {
    switch arrival {
    case .complete(let whole):
        expect(whole == truth, "completed with \(whole.count) bytes that are not the dictionary")
        return true
    case .hashMismatch(let blamed):
        expect(blamed.allSatisfy { assembler.skipped.contains($0) }, "blamed a peer that is not skipped")
    case .stored, .unexpected, .peerSkipped:
        break
    }
    return false
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    var input = FuzzInput(start, count)
    switch input.byte() % 4 {
    case 0:
        fuzzHandshake(input.rest())
    case 1:
        if let message = try? MetadataMessage(decoding: input.rest()) { checkMetadata(message) }
    case 2:
        fuzzPex(input.rest())
    default:
        fuzzAssembler(&input)
    }
    return 0
}
