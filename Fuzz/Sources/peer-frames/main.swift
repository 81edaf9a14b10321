// Peer wire: an optional BEP 3 handshake, then length-prefixed frames, through `PeerHandshake.parse`
// and `PeerFrameDecoder`. The stream is decoded whole, drip-fed in the input's chunk sizes and
// through NIO's single-step processor; all three must agree. Every message must respect the
// decoder's limits and survive encode → decode unchanged.
import FuzzSupport
import NIOCore
import TorrentCore
import WireProtocol

enum Failure: Equatable {
    /// The payload (the first bytes seen) depends on how much had arrived, so only the case counts.
    case handshake
    case frame(PeerProtocolError)
}

struct Decoded: Equatable {
    var handshake: PeerHandshake?
    var messages: [PeerMessage] = []
    var failure: Failure?
}

func decode(_ pieces: [[UInt8]], handshakeFirst: Bool, with decoder: PeerFrameDecoder) -> Decoded {
    var buffer = ByteBuffer()
    var result = Decoded()
    var needHandshake = handshakeFirst
    for (turn, piece) in pieces.enumerated() {
        buffer.writeBytes(piece)
        if needHandshake {
            do {
                let header = try PeerHandshake.parseHeader(from: buffer)
                let before = buffer.readableBytes
                guard let handshake = try PeerHandshake.parse(from: &buffer) else {
                    expect(buffer.readableBytes == before, "an incomplete handshake consumed bytes")
                    continue
                }
                expect(header?.infoHash == handshake.infoHash && header?.reserved == handshake.reserved,
                       "parseHeader and parse disagree")
                expect(before - buffer.readableBytes == PeerHandshake.length, "a handshake is not 68 bytes")
                result.handshake = handshake
                needHandshake = false
            } catch {
                result.failure = .handshake
                return result
            }
        }
        do {
            while true {
                let before = buffer.readableBytes
                guard let message = try decoder.decodeFrame(from: &buffer) else {
                    expect(buffer.readableBytes == before, "an incomplete frame consumed bytes")
                    break
                }
                result.messages.append(message)
            }
        } catch {
            result.failure = .frame(error)
            return result
        }
        if turn % 3 == 2 { buffer.discardReadBytes() }
    }
    return result
}

/// The same frames through `NIOSingleStepByteToMessageProcessor`, as the connection pipeline runs them.
func decodeWithProcessor(_ pieces: [[UInt8]], with decoder: PeerFrameDecoder) -> Decoded {
    let processor = NIOSingleStepByteToMessageProcessor(decoder)
    var result = Decoded()
    do {
        for piece in pieces {
            try processor.process(buffer: ByteBuffer(bytes: piece)) { result.messages.append($0) }
        }
        try processor.finishProcessing(seenEOF: true) { result.messages.append($0) }
    } catch let error as PeerProtocolError {
        result.failure = .frame(error)
    } catch {
        expect(false, "the processor threw \(error)")
    }
    return result
}

func check(_ message: PeerMessage, _ decoder: PeerFrameDecoder) {
    let pieceCount = decoder.pieceCount
    func inRange(_ piece: PieceIndex) -> Bool { pieceCount == 0 || piece.value < pieceCount }
    switch message {
    case .have(let piece), .suggestPiece(let piece), .allowedFast(let piece):
        expect(inRange(piece), "\(message) outside \(pieceCount) pieces")
    case .request(let block):
        expect(inRange(block.piece), "\(message) outside \(pieceCount) pieces")
        expect(block.length > 0 && block.length <= decoder.limits.maxBlockLength, "\(message) breaks the block limit")
    case .cancel(let block), .rejectRequest(let block):
        expect(inRange(block.piece), "\(message) outside \(pieceCount) pieces")
    case .piece(let piece, _, let block):
        expect(inRange(piece), "\(message) outside \(pieceCount) pieces")
        expect(block.readableBytes <= decoder.limits.maxBlockLength, "\(message) breaks the block limit")
    case .bitfield(let bytes):
        if pieceCount > 0 {
            expect(Bitfield(bytes: bytes, count: pieceCount) != nil, "bitfield of \(bytes.count) bytes for \(pieceCount) pieces")
        } else {
            expect(bytes.count <= decoder.limits.maxBitfieldLength, "bitfield of \(bytes.count) bytes breaks the limit")
        }
    case .extended(_, let payload):
        expect(payload.readableBytes <= decoder.limits.maxExtendedPayloadLength, "\(message) breaks the payload limit")
    default:
        break
    }
    var encoded = PeerMessageEncoder().encode(message)
    let again = try? decoder.decodeFrame(from: &encoded)
    expect(again == message, "\(message) came back as \(again.map { "\($0)" } ?? "nothing") after encoding")
    expect(encoded.readableBytes == 0, "\(message) encoded to more than one frame")
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    var input = FuzzInput(start, count)
    let flags = input.byte()
    let pieceCount = Int(input.uint16()) >> Int(flags >> 5)  // 0 = unknown (a magnet), then the size caps apply
    var limits = PeerFrameDecoder.Limits()
    if flags & 2 != 0 {
        limits = PeerFrameDecoder.Limits(maxBlockLength: Int(input.uint16()), maxExtendedPayloadLength: Int(input.uint16()),
                                         maxBitfieldLength: Int(input.uint16()))
    }
    let decoder = PeerFrameDecoder(pieceCount: pieceCount, limits: limits)
    let handshakeFirst = flags & 1 != 0
    let sizes = input.take(Int(input.byte() % 8))
    let stream = input.rest()

    let whole = decode([stream], handshakeFirst: handshakeFirst, with: decoder)
    let dripped = decode(split(stream, sizes: sizes), handshakeFirst: handshakeFirst, with: decoder)
    expect(whole == dripped, "decoding depends on how the bytes were split")
    if !handshakeFirst {
        let processed = decodeWithProcessor(split(stream, sizes: sizes), with: decoder)
        expect(processed.messages == whole.messages && processed.failure == whole.failure,
               "NIO's processor decodes differently")
    }
    if let handshake = whole.handshake {
        var encoded = handshake.encoded()
        expect((try? PeerHandshake.parse(from: &encoded)) == handshake, "the handshake does not survive encoding")
    }
    for message in whole.messages { check(message, decoder) }
    return 0
}
