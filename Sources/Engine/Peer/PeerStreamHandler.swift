internal import NIOCore
import WireProtocol

/// What a peer connection's byte stream yields: first the handshake, then messages.
enum PeerStreamEvent {
    case handshake(PeerHandshake)
    case message(PeerMessage)
}

/// Splits a peer's byte stream into the 68-byte handshake and then length-prefixed messages,
/// with the limits of `PeerFrameDecoder`. Anything malformed is an error, and the connection drops.
///
/// Frames wholly inside one read are decoded in place (a block's data is a slice of the read).
/// Only a frame cut by the end of a read is copied: its start, then just the bytes that complete
/// it from the next read. (`ByteToMessageHandler` appends every next read to the unfinished
/// frame, which copied nearly every byte of a download once more than needed.) An unfinished
/// frame is held only after its length passed the limits, so it never exceeds one frame.
final class PeerStreamHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = PeerStreamEvent

    private var handshakeSeen = false
    private var frames: PeerFrameDecoder
    /// The start of a frame (or of the handshake) the last read ended inside.
    private var unfinished: ByteBuffer?
    private var failed = false

    init(frames: PeerFrameDecoder = PeerFrameDecoder()) {
        self.frames = frames
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !failed else { return }
        var input = unwrapInboundIn(data)
        do {
            if !handshakeSeen {
                guard try readHandshake(from: &input, context: context) else { return }
            }
            if unfinished != nil {
                guard try finishFrame(from: &input, context: context) else { return }
            }
            while let message = try frames.decodeFrame(from: &input) {
                context.fireChannelRead(wrapInboundOut(.message(message)))
            }
            if input.readableBytes > 0 { unfinished = copyOf(input) }
        } catch {
            failed = true
            unfinished = nil
            context.fireErrorCaught(error)
        }
    }

    /// True once the handshake was read (what follows it stays in `input`).
    private func readHandshake(from input: inout ByteBuffer, context: ChannelHandlerContext) throws -> Bool {
        if var start = unfinished {
            start.writeBuffer(&input)
            input = start
            unfinished = nil
        }
        guard let handshake = try PeerHandshake.parse(from: &input) else {
            unfinished = copyOf(input)
            return false
        }
        handshakeSeen = true
        context.fireChannelRead(wrapInboundOut(.handshake(handshake)))
        return true
    }

    /// Completes the unfinished frame with as few bytes of `input` as it needs; true when it was
    /// complete and delivered (the rest of `input` holds the frames after it).
    private func finishFrame(from input: inout ByteBuffer, context: ChannelHandlerContext) throws -> Bool {
        guard var frame = unfinished else { return true }
        unfinished = nil
        // The length prefix first, then the id, which the decoder checks before more is kept.
        var wanted = 4
        while true {
            let missing = wanted - frame.readableBytes
            if missing > 0 {
                var part = input.readSlice(length: min(missing, input.readableBytes)) ?? ByteBuffer()
                frame.writeBuffer(&part)
                if frame.readableBytes < wanted {
                    unfinished = frame
                    return false
                }
            }
            if let message = try frames.decodeFrame(from: &frame) {
                context.fireChannelRead(wrapInboundOut(.message(message)))
                return true
            }
            // The decoder wants more: the id byte, or (its length accepted) the whole frame.
            let prefix = frame.getInteger(at: frame.readerIndex, as: UInt32.self) ?? 0
            let next = frame.readableBytes < 5 ? 5 : 4 + Int(prefix)
            guard next > wanted else {
                unfinished = frame
                return false
            }
            wanted = next
            frame.reserveCapacity(minimumWritableBytes: wanted - frame.readableBytes)
        }
    }

    /// The unread bytes in a buffer of their own, so the read they came from can be reused.
    private func copyOf(_ buffer: ByteBuffer) -> ByteBuffer {
        var copy = ByteBufferAllocator().buffer(capacity: buffer.readableBytes)
        copy.writeImmutableBuffer(buffer)
        return copy
    }

    func channelInactive(context: ChannelHandlerContext) {
        // A partial frame left at close is dropped with the connection.
        unfinished = nil
        context.fireChannelInactive()
    }
}
