internal import NIOCore
import WireProtocol

/// What a peer connection's byte stream yields: first the handshake, then messages.
enum PeerStreamEvent {
    case handshake(PeerHandshake)
    case message(PeerMessage)
}

/// Splits a peer's byte stream into the 68-byte handshake and then length-prefixed messages,
/// with the limits of `PeerFrameDecoder`. Anything malformed throws, and the connection drops.
struct PeerStreamDecoder: ByteToMessageDecoder {
    typealias InboundOut = PeerStreamEvent

    private var handshakeSeen = false
    private var frames: PeerFrameDecoder

    init(frames: PeerFrameDecoder = PeerFrameDecoder()) {
        self.frames = frames
    }

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        if !handshakeSeen {
            guard let handshake = try PeerHandshake.parse(from: &buffer) else { return .needMoreData }
            handshakeSeen = true
            context.fireChannelRead(wrapInboundOut(.handshake(handshake)))
            return .continue
        }
        guard let message = try frames.decodeFrame(from: &buffer) else { return .needMoreData }
        context.fireChannelRead(wrapInboundOut(.message(message)))
        return .continue
    }

    mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        try decode(context: context, buffer: &buffer)
    }
}
