import NIOCore
import Testing
import TorrentCore
@testable import WireProtocol

private func piece(_ value: Int) -> PieceIndex { PieceIndex(checked: value) }

/// One of every message, so round trips and the feeding checks cover every case.
private let everyMessage: [PeerMessage] = [
    .keepAlive,
    .choke,
    .unchoke,
    .interested,
    .notInterested,
    .have(piece(7)),
    .bitfield([0b1010_0000, 0b0100_0000]),
    .request(BlockRequest(piece: piece(3), offset: 16384, length: 16384)),
    .piece(piece(3), offset: 16384, block: ByteBuffer(bytes: Array(0..<200).map { UInt8($0) })),
    .cancel(BlockRequest(piece: piece(3), offset: 0, length: 16384)),
    .port(6881),
    .suggestPiece(piece(1)),
    .haveAll,
    .haveNone,
    .rejectRequest(BlockRequest(piece: piece(2), offset: 32768, length: 1000)),
    .allowedFast(piece(9)),
    .extended(id: 0, payload: ByteBuffer(bytes: Array("d1:md6:ut_pexi1eee".utf8))),
    .extended(id: 3, payload: ByteBuffer()),
    .hashRequest(HashRequest(piecesRoot: Array(repeating: 7, count: 32), baseLayer: 1, index: 0, length: 4, proofLayers: 0)!),
    .hashes(HashRequest(piecesRoot: Array(repeating: 7, count: 32), baseLayer: 1, index: 0, length: 2, proofLayers: 0)!,
            hashes: Array(repeating: 9, count: 64)),
    .hashReject(HashRequest(piecesRoot: Array(repeating: 8, count: 32), baseLayer: 0, index: 8, length: 8, proofLayers: 3)!),
]

@Suite struct PeerFrameDecoderTests {
    let encoder = PeerMessageEncoder()

    private func bytes(_ message: PeerMessage) -> [UInt8] {
        let buffer = encoder.encode(message)
        return buffer.getBytes(at: buffer.readerIndex, length: buffer.readableBytes) ?? []
    }

    @Test func everyMessageRoundTripsWhateverTheChunking() throws {
        try verifyDecoder({ PeerFrameDecoder() }, frames: everyMessage.map(bytes), expected: everyMessage)
    }

    @Test func roundTripsWithAKnownPieceCount() throws {
        try verifyDecoder({ PeerFrameDecoder(pieceCount: 10) }, frames: everyMessage.map(bytes), expected: everyMessage)
    }

    @Test func encodesTheWireLayoutOfBEP3() {
        #expect(bytes(.keepAlive) == [0, 0, 0, 0])
        #expect(bytes(.interested) == [0, 0, 0, 1, 2])
        #expect(bytes(.have(piece(0x0102_0304))) == [0, 0, 0, 5, 4, 1, 2, 3, 4])
        #expect(bytes(.request(BlockRequest(piece: piece(1), offset: 2, length: 3)))
                == [0, 0, 0, 13, 6] + be32(1) + be32(2) + be32(3))
        #expect(bytes(.piece(piece(1), offset: 2, block: ByteBuffer(bytes: [9, 9])))
                == [0, 0, 0, 11, 7] + be32(1) + be32(2) + [9, 9])
        #expect(bytes(.port(0x1AE1)) == [0, 0, 0, 3, 9, 0x1A, 0xE1])
        #expect(bytes(.haveAll) == [0, 0, 0, 1, 0x0E])
        #expect(bytes(.allowedFast(piece(5))) == [0, 0, 0, 5, 0x11] + be32(5))
        #expect(bytes(.extended(id: 2, payload: ByteBuffer(bytes: [0x64, 0x65]))) == [0, 0, 0, 4, 20, 2, 0x64, 0x65])
    }

    @Test func encodesTheHashMessagesOfBEP52() throws {
        let root = [UInt8](repeating: 0xAA, count: 32)
        let request = try #require(HashRequest(piecesRoot: root, baseLayer: 2, index: 4, length: 4, proofLayers: 1))
        #expect(bytes(.hashRequest(request)) == [0, 0, 0, 49, 21] + root + be32(2) + be32(4) + be32(4) + be32(1))
        #expect(bytes(.hashReject(request)) == [0, 0, 0, 49, 23] + root + be32(2) + be32(4) + be32(4) + be32(1))
        let hashes = [UInt8](repeating: 1, count: 96)
        #expect(bytes(.hashes(request, hashes: hashes)) == [0, 0, 0, 145, 22] + root + be32(2) + be32(4) + be32(4) + be32(1) + hashes)
    }

    @Test func refusesHashMessagesOfTheWrongSize() {
        var short = ByteBuffer(bytes: [0, 0, 0, 40, 21] + [UInt8](repeating: 0, count: 39))
        #expect(throws: PeerProtocolError.self) { try PeerFrameDecoder().decodeFrame(from: &short) }
        // hashes whose tail is not whole 32-byte hashes
        var ragged = ByteBuffer(bytes: [0, 0, 0, 59, 22] + [UInt8](repeating: 0, count: 58))
        #expect(throws: PeerProtocolError.self) { try PeerFrameDecoder().decodeFrame(from: &ragged) }
        // a hashes frame longer than any answer may be is refused from its header alone
        var huge = ByteBuffer(bytes: [0, 0x10, 0, 0, 22])
        #expect(throws: PeerProtocolError.self) { try PeerFrameDecoder().decodeFrame(from: &huge) }
    }

    @Test func waitsForTheRestOfAFrameWithoutConsumingIt() throws {
        var decoder = PeerFrameDecoder()
        var buffer = ByteBuffer(bytes: bytes(.have(piece(1))).dropLast())
        #expect(try decoder.decode(buffer: &buffer) == nil)
        #expect(buffer.readableBytes == 8)
        buffer.writeInteger(UInt8(1))
        #expect(try decoder.decode(buffer: &buffer) == .have(piece(1)))
        #expect(buffer.readableBytes == 0)
    }

    @Test func pieceBlockIsASliceOfTheReceiveBuffer() throws {
        let block = Array(repeating: UInt8(0xAB), count: 16384)
        var buffer = encoder.encode(.piece(piece(4), offset: 32768, block: ByteBuffer(bytes: block)))
        let decoded = try PeerFrameDecoder().decodeFrame(from: &buffer)
        guard case .piece(let index, let offset, let payload) = decoded else {
            Issue.record("expected a piece, got \(String(describing: decoded))")
            return
        }
        #expect(index == piece(4))
        #expect(offset == 32768)
        #expect(payload.readableBytes == 16384)
        #expect(payload.getBytes(at: payload.readerIndex, length: payload.readableBytes) == block)
    }

    @Test func acceptsTheLargestPieceFrame() throws {
        let block = ByteBuffer(repeating: 1, count: 128 << 10)
        try verifyDecoder(
            { PeerFrameDecoder() }, frames: [bytes(.piece(piece(0), offset: 0, block: block))],
            expected: [.piece(piece(0), offset: 0, block: block)])
    }

    // MARK: - Hostile frames

    @Test func refusesAHugeLengthPrefixBeforeBuffering() {
        let error = decodingError(frame(length: 0xFFFF_FFFF, [7]))
        #expect(error == .frameTooLong(.piece, length: 0xFFFF_FFFF, limit: 131_081))
    }

    @Test func refusesAnOversizedPieceWithAReadableReason() {
        let error = decodingError(frame(length: 2_000_000, [7, 0, 0]))
        #expect(error == .frameTooLong(.piece, length: 2_000_000, limit: 131_081))
        #expect(error?.description == "peer sent a 2000000-byte piece frame; the limit is 131081")
    }

    @Test func refusesAPieceOneByteOverTheLimit() {
        let error = decodingError(frame(length: 131_082, [7]))
        #expect(error == .frameTooLong(.piece, length: 131_082, limit: 131_081))
    }

    @Test func honoursAConfiguredBlockLimit() {
        let decoder = PeerFrameDecoder(limits: .init(maxBlockLength: 16384))
        #expect(decodingError(frame(length: 16384 + 10, [7]), decoder: decoder)
                == .frameTooLong(.piece, length: 16394, limit: 16393))
    }

    @Test func refusesAnOversizedExtendedMessage() {
        let error = decodingError(frame(length: (1 << 20) + 3, [20, 1]))
        #expect(error == .frameTooLong(.extended, length: (1 << 20) + 3, limit: (1 << 20) + 2))
    }

    @Test func refusesABitfieldOfTheWrongSizeWhenThePieceCountIsKnown() {
        let decoder = PeerFrameDecoder(pieceCount: 20)
        #expect(decodingError(frame([5, 0xFF, 0xFF]), decoder: decoder)
                == .wrongBitfieldLength(length: 2, expected: 3, pieceCount: 20))
        #expect(decodingError(frame([5, 0xFF, 0xFF, 0xF0, 0]), decoder: decoder)
                == .wrongBitfieldLength(length: 4, expected: 3, pieceCount: 20))
    }

    @Test func refusesABitfieldWithSpareBitsSet() {
        let decoder = PeerFrameDecoder(pieceCount: 20)
        #expect(decodingError(frame([5, 0xFF, 0xFF, 0xF8]), decoder: decoder) == .bitfieldSpareBitsSet(pieceCount: 20))
        #expect(decodingError(frame([5, 0xFF, 0xFF, 0xF0]), decoder: decoder) == nil)
    }

    @Test func capsABitfieldWhileThePieceCountIsUnknown() {
        let decoder = PeerFrameDecoder(limits: .init(maxBitfieldLength: 4))
        #expect(decodingError(frame([5, 1, 2, 3, 4, 5]), decoder: decoder)
                == .frameTooLong(.bitfield, length: 6, limit: 5))
    }

    @Test func refusesUnknownMessageIDs() {
        #expect(decodingError(frame([42, 1, 2])) == .unknownMessageID(42, length: 3))
        #expect(decodingError(frame([10])) == .unknownMessageID(10, length: 1))
    }

    @Test func refusesFixedSizeMessagesOfTheWrongSize() {
        #expect(decodingError(frame([6] + be32(1) + be32(0))) == .wrongPayloadLength(.request, length: 8, expected: 12))
        #expect(decodingError(frame([1, 0])) == .wrongPayloadLength(.unchoke, length: 1, expected: 0))
        #expect(decodingError(frame([4, 0, 0, 0])) == .wrongPayloadLength(.have, length: 3, expected: 4))
        #expect(decodingError(frame([9, 0, 0, 0])) == .wrongPayloadLength(.port, length: 3, expected: 2))
    }

    @Test func refusesShortPieceAndExtendedMessages() {
        #expect(decodingError(frame([7, 0, 0, 0, 1])) == .payloadTooShort(.piece, length: 4, minimum: 8))
        #expect(decodingError(frame([20])) == .payloadTooShort(.extended, length: 0, minimum: 1))
    }

    @Test func refusesPieceIndicesPastTheEnd() {
        let decoder = PeerFrameDecoder(pieceCount: 10)
        #expect(decodingError(frame([4] + be32(10)), decoder: decoder) == .pieceIndexOutOfRange(.have, index: 10, pieceCount: 10))
        #expect(decodingError(frame([6] + be32(0xFFFF_FFFF) + be32(0) + be32(16384)), decoder: decoder)
                == .pieceIndexOutOfRange(.request, index: 0xFFFF_FFFF, pieceCount: 10))
        #expect(decodingError(frame([7] + be32(11) + be32(0) + [1]), decoder: decoder)
                == .pieceIndexOutOfRange(.piece, index: 11, pieceCount: 10))
    }

    @Test func refusesRequestsForNothingOrTooMuch() {
        #expect(decodingError(frame([6] + be32(0) + be32(0) + be32(0))) == .invalidRequestLength(length: 0, limit: 131_072))
        #expect(decodingError(frame([6] + be32(0) + be32(0) + be32(0xFFFF_FFFF)))
                == .invalidRequestLength(length: 0xFFFF_FFFF, limit: 131_072))
    }

    @Test func decodesMessagesBeforeAHostileFrame() {
        let processor = NIOSingleStepByteToMessageProcessor(PeerFrameDecoder())
        var received: [PeerMessage] = []
        #expect(throws: PeerProtocolError.self) {
            try processor.process(buffer: ByteBuffer(bytes: bytes(.unchoke) + bytes(.have(piece(2))) + frame([99]))) {
                received.append($0)
            }
        }
        #expect(received == [.unchoke, .have(piece(2))])
    }

    @Test func errorsReadAsSentences() {
        #expect(PeerProtocolError.wrongBitfieldLength(length: 2, expected: 3, pieceCount: 20).description
                == "peer sent a 2-byte bitfield; 20 pieces need exactly 3 bytes")
        #expect(PeerProtocolError.unknownMessageID(42, length: 3).description
                == "peer sent a message with unknown id 42 (3-byte frame)")
        #expect(PeerProtocolError.wrongPayloadLength(.request, length: 8, expected: 12).description
                == "peer sent a request message with an 8-byte payload; it must be 12 bytes")
    }
}
