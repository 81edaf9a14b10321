import NIOCore
import Testing
@testable import WireProtocol

/// Feeds the same frames to a fresh decoder three ways (all at once, one frame per buffer, one byte
/// per buffer) and checks each way yields exactly `expected`, in order.
func verifyDecoder(
    _ makeDecoder: () -> PeerFrameDecoder,
    frames: [[UInt8]],
    expected: [PeerMessage],
    sourceLocation: SourceLocation = #_sourceLocation
) throws {
    let whole = frames.flatMap { $0 }
    let feeds: [(String, [[UInt8]])] = [
        ("whole buffer", [whole]),
        ("one frame per buffer", frames),
        ("byte by byte", whole.map { [$0] }),
    ]
    for (name, chunks) in feeds {
        let processor = NIOSingleStepByteToMessageProcessor(makeDecoder())
        var received: [PeerMessage] = []
        for chunk in chunks {
            try processor.process(buffer: ByteBuffer(bytes: chunk)) { received.append($0) }
        }
        try processor.finishProcessing(seenEOF: true) { received.append($0) }
        #expect(received == expected, "feeding \(name)", sourceLocation: sourceLocation)
    }
}

/// Decodes `bytes` fed one byte at a time and returns the error the decoder throws, if any.
func decodingError(
    _ bytes: [UInt8], decoder: PeerFrameDecoder = PeerFrameDecoder(), byteByByte: Bool = true
) -> PeerProtocolError? {
    let processor = NIOSingleStepByteToMessageProcessor(decoder)
    let chunks = byteByByte ? bytes.map { [$0] } : [bytes]
    do {
        for chunk in chunks {
            try processor.process(buffer: ByteBuffer(bytes: chunk)) { _ in }
        }
        return nil
    } catch let error as PeerProtocolError {
        return error
    } catch {
        Issue.record("unexpected error \(error)")
        return nil
    }
}

/// A frame built by hand: 4-byte big-endian length, then the bytes.
func frame(_ body: [UInt8]) -> [UInt8] {
    frame(length: UInt32(body.count), body)
}

func frame(length: UInt32, _ body: [UInt8]) -> [UInt8] {
    withUnsafeBytes(of: length.bigEndian) { Array($0) } + body
}

func be32(_ value: UInt32) -> [UInt8] {
    withUnsafeBytes(of: value.bigEndian) { Array($0) }
}
