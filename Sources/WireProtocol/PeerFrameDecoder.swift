import NIOCore
import TorrentCore

/// Cuts the byte stream after the handshake into `PeerMessage`s, refusing frames that break the
/// protocol's size rules before buffering them.
///
/// A frame's length and id are checked as soon as those five bytes arrive, so a hostile length
/// prefix never makes the connection buffer megabytes first.
public struct PeerFrameDecoder: NIOSingleStepByteToMessageDecoder, Sendable {
    public typealias InboundOut = PeerMessage

    /// Size limits for variable-length messages.
    public struct Limits: Hashable, Sendable {
        /// Largest block in a `piece` message and in a `request` we accept; 128 KiB by default
        /// (peers use 16 KiB; some old clients ask for up to 128 KiB).
        public var maxBlockLength: Int
        /// Largest BEP 10 payload after the extended id byte.
        public var maxExtendedPayloadLength: Int
        /// Largest bitfield accepted while the piece count is still unknown (magnet links).
        public var maxBitfieldLength: Int

        public init(maxBlockLength: Int = 128 << 10, maxExtendedPayloadLength: Int = 1 << 20, maxBitfieldLength: Int = 1 << 20) {
            self.maxBlockLength = maxBlockLength
            self.maxExtendedPayloadLength = maxExtendedPayloadLength
            self.maxBitfieldLength = maxBitfieldLength
        }
    }

    /// The torrent's piece count, or 0 while it is unknown (then only size caps apply).
    public var pieceCount: Int
    public var limits: Limits

    public init(pieceCount: Int = 0, limits: Limits = Limits()) {
        self.pieceCount = max(0, pieceCount)
        self.limits = limits
    }

    /// The largest frame (length prefix value: id byte plus payload) accepted for `id`.
    public func frameLimit(for id: PeerMessageID) -> Int {
        if let fixed = id.fixedPayloadLength { return 1 + fixed }
        switch id {
        case .bitfield: return 1 + (pieceCount > 0 ? (pieceCount + 7) / 8 : limits.maxBitfieldLength)
        case .piece: return 9 + limits.maxBlockLength
        // The most hashes one request may ask for, and a proof up a tree of 2^64 leaves.
        case .hashes: return 1 + HashRequest.encodedSize + (HashRequest.maxLength + 64) * 32
        default: return 2 + limits.maxExtendedPayloadLength
        }
    }

    // MARK: - NIOSingleStepByteToMessageDecoder

    public mutating func decode(buffer: inout ByteBuffer) throws -> PeerMessage? {
        try decodeFrame(from: &buffer)
    }

    public mutating func decodeLast(buffer: inout ByteBuffer, seenEOF: Bool) throws -> PeerMessage? {
        // A partial frame left at close is dropped with the connection.
        try decodeFrame(from: &buffer)
    }

    /// Reads one message from the front of `buffer`; nil (consuming nothing) when the frame is incomplete.
    public func decodeFrame(from buffer: inout ByteBuffer) throws(PeerProtocolError) -> PeerMessage? {
        let start = buffer.readerIndex
        guard let prefix = buffer.getInteger(at: start, as: UInt32.self) else { return nil }
        if prefix == 0 {
            buffer.moveReaderIndex(forwardBy: 4)
            return .keepAlive
        }
        guard let rawID = buffer.getInteger(at: start + 4, as: UInt8.self) else { return nil }
        let frameLength = Int(prefix)
        guard let id = PeerMessageID(rawValue: rawID) else {
            throw .unknownMessageID(rawID, length: frameLength)
        }
        try checkFrameLength(frameLength, of: id)
        guard buffer.readableBytes >= 4 + frameLength else { return nil }
        buffer.moveReaderIndex(forwardBy: 5)
        guard var payload = buffer.readSlice(length: frameLength - 1) else { return nil }
        return try parsePayload(&payload, of: id)
    }

    private func checkFrameLength(_ frameLength: Int, of id: PeerMessageID) throws(PeerProtocolError) {
        let payloadLength = frameLength - 1
        if let fixed = id.fixedPayloadLength {
            if payloadLength != fixed { throw .wrongPayloadLength(id, length: payloadLength, expected: fixed) }
            return
        }
        if id == .bitfield, pieceCount > 0 {
            let expected = (pieceCount + 7) / 8
            if payloadLength != expected {
                throw .wrongBitfieldLength(length: payloadLength, expected: expected, pieceCount: pieceCount)
            }
            return
        }
        let limit = frameLimit(for: id)
        if frameLength > limit { throw .frameTooLong(id, length: frameLength, limit: limit) }
        switch id {
        case .piece where payloadLength < 8: throw .payloadTooShort(id, length: payloadLength, minimum: 8)
        case .extended where payloadLength < 1: throw .payloadTooShort(id, length: payloadLength, minimum: 1)
        case .hashes where payloadLength < HashRequest.encodedSize || (payloadLength - HashRequest.encodedSize) % 32 != 0:
            throw .payloadTooShort(id, length: payloadLength, minimum: HashRequest.encodedSize)
        default: break
        }
    }

    /// Parses a payload whose length `checkFrameLength` has accepted.
    private func parsePayload(_ payload: inout ByteBuffer, of id: PeerMessageID) throws(PeerProtocolError) -> PeerMessage? {
        switch id {
        case .choke: return .choke
        case .unchoke: return .unchoke
        case .interested: return .interested
        case .notInterested: return .notInterested
        case .haveAll: return .haveAll
        case .haveNone: return .haveNone
        case .have:
            return .have(try readPiece(&payload, for: id))
        case .suggestPiece:
            return .suggestPiece(try readPiece(&payload, for: id))
        case .allowedFast:
            return .allowedFast(try readPiece(&payload, for: id))
        case .request:
            let block = try readBlock(&payload, for: id)
            guard block.length > 0, block.length <= limits.maxBlockLength else {
                throw .invalidRequestLength(length: block.length, limit: limits.maxBlockLength)
            }
            return .request(block)
        case .cancel:
            return .cancel(try readBlock(&payload, for: id))
        case .rejectRequest:
            return .rejectRequest(try readBlock(&payload, for: id))
        case .bitfield:
            let bytes = payload.readBytes(length: payload.readableBytes) ?? []
            if pieceCount > 0, Bitfield(bytes: bytes, count: pieceCount) == nil {
                throw .bitfieldSpareBitsSet(pieceCount: pieceCount)
            }
            return .bitfield(bytes)
        case .piece:
            let piece = try readPiece(&payload, for: id)
            guard let offset = payload.readInteger(as: UInt32.self) else { return nil }
            return .piece(piece, offset: Int(offset), block: payload)
        case .port:
            guard let port = payload.readInteger(as: UInt16.self) else { return nil }
            return .port(port)
        case .extended:
            guard let extendedID = payload.readInteger(as: UInt8.self) else { return nil }
            return .extended(id: extendedID, payload: payload)
        case .hashRequest:
            return .hashRequest(try readHashRequest(&payload, for: id))
        case .hashReject:
            return .hashReject(try readHashRequest(&payload, for: id))
        case .hashes:
            let request = try readHashRequest(&payload, for: id)
            return .hashes(request, hashes: payload.readBytes(length: payload.readableBytes) ?? [])
        }
    }

    private func readHashRequest(_ payload: inout ByteBuffer,
                                 for id: PeerMessageID) throws(PeerProtocolError) -> HashRequest {
        let root = payload.readBytes(length: 32) ?? []
        var fields: [Int] = []
        for _ in 0..<4 { fields.append(Int(payload.readInteger(as: UInt32.self) ?? 0)) }
        // The length checks guarantee 48 bytes, and UInt32 fields always fit.
        guard let request = HashRequest(piecesRoot: root, baseLayer: fields[0], index: fields[1], length: fields[2],
                                        proofLayers: fields[3]) else {
            throw .payloadTooShort(id, length: root.count, minimum: HashRequest.encodedSize)
        }
        return request
    }

    private func readPiece(_ payload: inout ByteBuffer, for id: PeerMessageID) throws(PeerProtocolError) -> PieceIndex {
        // The length check guarantees four bytes; a UInt32 always fits a non-negative Int.
        let value = Int(payload.readInteger(as: UInt32.self) ?? 0)
        if pieceCount > 0, value >= pieceCount {
            throw .pieceIndexOutOfRange(id, index: value, pieceCount: pieceCount)
        }
        return PieceIndex(checked: value)
    }

    private func readBlock(_ payload: inout ByteBuffer, for id: PeerMessageID) throws(PeerProtocolError) -> BlockRequest {
        let piece = try readPiece(&payload, for: id)
        let offset = Int(payload.readInteger(as: UInt32.self) ?? 0)
        let length = Int(payload.readInteger(as: UInt32.self) ?? 0)
        return BlockRequest(piece: piece, offset: offset, length: length)
    }
}
