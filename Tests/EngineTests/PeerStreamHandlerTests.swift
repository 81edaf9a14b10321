import NIOCore
import NIOEmbedded
import Testing
import TorrentCore
import WireProtocol
@testable import Engine

/// The stream handler must give the same handshake and messages however the bytes are cut into
/// reads, and refuse a hostile length before it buffers the frame.
@Suite struct PeerStreamHandlerTests {
    private static let handshake = PeerHandshake(reserved: [], infoHash: InfoHash(bytes: Array(1...20))!,
                                                 peerID: PeerID(bytes: Array(repeating: 0x2D, count: 20))!)

    private static var messages: [PeerMessage] {
        var block = ByteBuffer()
        block.writeBytes((0..<(16 << 10)).map { UInt8(truncatingIfNeeded: $0 &* 7) })
        var short = ByteBuffer()
        short.writeBytes([1, 2, 3])
        return [
            .bitfield([0xFF, 0x80]), .keepAlive, .unchoke, .have(PieceIndex(checked: 3)),
            .piece(PieceIndex(checked: 1), offset: 16 << 10, block: block), .keepAlive, .keepAlive,
            .extended(id: 0, payload: short), .request(BlockRequest(piece: PieceIndex(checked: 2), offset: 0, length: 16384)),
            .piece(PieceIndex(checked: 2), offset: 0, block: block), .interested,
        ]
    }

    private static var stream: [UInt8] {
        var buffer = handshake.encoded()
        let encoder = PeerMessageEncoder()
        for message in messages { encoder.encode(message, into: &buffer) }
        return buffer.readBytes(length: buffer.readableBytes)!
    }

    /// Feeds `bytes` in reads of `chunk` bytes (the last one shorter) and returns what came out.
    private func decode(_ bytes: [UInt8], chunk: Int) throws -> (handshakes: [PeerHandshake], messages: [PeerMessage]) {
        let channel = EmbeddedChannel(handler: PeerStreamHandler())
        var start = 0
        while start < bytes.count {
            let end = min(bytes.count, start + chunk)
            try channel.writeInbound(ByteBuffer(bytes: bytes[start..<end]))
            start = end
        }
        var handshakes: [PeerHandshake] = []
        var messages: [PeerMessage] = []
        while let event = try channel.readInbound(as: PeerStreamEvent.self) {
            switch event {
            case .handshake(let handshake): handshakes.append(handshake)
            case .message(let message): messages.append(message)
            }
        }
        _ = try channel.finish()
        return (handshakes, messages)
    }

    @Test(arguments: [1, 2, 3, 4, 5, 7, 13, 67, 68, 69, 100, 4096, 16397, 16398, 40_000, 1 << 20])
    func givesTheSameMessagesHoweverTheReadsAreCut(chunk: Int) throws {
        let result = try decode(Self.stream, chunk: chunk)
        #expect(result.handshakes == [Self.handshake])
        #expect(result.messages == Self.messages)
    }

    @Test func refusesAnOversizedFrameAsSoonAsItsHeaderArrives() throws {
        let channel = EmbeddedChannel(handler: PeerStreamHandler())
        try channel.writeInbound(Self.handshake.encoded())
        // A piece frame claiming 100 MB, with a little data behind its header.
        var frame = ByteBuffer()
        frame.writeInteger(UInt32(100_000_000))
        frame.writeInteger(PeerMessageID.piece.rawValue)
        frame.writeBytes(Array(repeating: 0, count: 1000))
        #expect(throws: PeerProtocolError.self) { try channel.writeInbound(frame) }
        // Nothing after the refusal is decoded: only the handshake came out.
        try channel.writeInbound(PeerMessageEncoder().encode(.interested))
        var events = 0
        while try channel.readInbound(as: PeerStreamEvent.self) != nil { events += 1 }
        #expect(events == 1)
        _ = try? channel.finish()
    }

    @Test func refusesAnOversizedFrameSplitAcrossReads() throws {
        let channel = EmbeddedChannel(handler: PeerStreamHandler())
        try channel.writeInbound(Self.handshake.encoded())
        var frame = ByteBuffer()
        frame.writeInteger(UInt32(100_000_000))
        frame.writeInteger(PeerMessageID.piece.rawValue)
        // The header arrives in two reads: the refusal comes with the id byte, before any data.
        try channel.writeInbound(frame.getSlice(at: 0, length: 3)!)
        #expect(throws: PeerProtocolError.self) { try channel.writeInbound(frame.getSlice(at: 3, length: 2)!) }
        _ = try? channel.finish()
    }
}
