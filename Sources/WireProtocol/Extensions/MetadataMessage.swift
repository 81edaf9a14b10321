import Bencode

/// A BEP 9 `ut_metadata` message: a request for, a piece of, or a refusal of one 16 KiB piece of
/// a torrent's info dictionary. It travels as the payload of an extended message whose id the
/// receiver chose in its extension handshake.
public enum MetadataMessage: Hashable, Sendable {
    case request(piece: Int)
    /// `totalSize` is the whole info dictionary's length; `data` is the piece itself.
    case data(piece: Int, totalSize: Int, data: [UInt8])
    case reject(piece: Int)

    /// Bytes per metadata piece; only the last may be shorter.
    public static let pieceSize = 16 * 1024
    /// The largest info dictionary believed, in bytes.
    public static let maxTotalSize = 16 << 20
    /// The most pieces an info dictionary of `maxTotalSize` bytes has.
    public static let maxPieceCount = maxTotalSize / pieceSize

    public var piece: Int {
        switch self {
        case .request(let piece), .data(let piece, _, _), .reject(let piece): piece
        }
    }

    /// The number of pieces of an info dictionary of `totalSize` bytes.
    public static func pieceCount(totalSize: Int) -> Int {
        (totalSize + pieceSize - 1) / pieceSize
    }

    /// The expected length of piece `piece` of an info dictionary of `totalSize` bytes.
    public static func length(ofPiece piece: Int, totalSize: Int) -> Int {
        min(pieceSize, totalSize - piece * pieceSize)
    }

    // MARK: - Encoding

    /// The extended message's payload: the bencoded header, then the raw piece for `data`.
    public func encoded() -> [UInt8] {
        switch self {
        case .request(let piece):
            return BencodeValue.dict(["msg_type": .integer(0), "piece": .integer(Int64(piece))]).encoded()
        case .data(let piece, let totalSize, let data):
            let header = BencodeValue.dict([
                "msg_type": .integer(1), "piece": .integer(Int64(piece)), "total_size": .integer(Int64(totalSize)),
            ])
            return header.encoded() + data
        case .reject(let piece):
            return BencodeValue.dict(["msg_type": .integer(2), "piece": .integer(Int64(piece))]).encoded()
        }
    }

    // MARK: - Decoding

    /// Reads a message, checking that piece numbers and sizes are ones a real torrent can have.
    public init(decoding bytes: [UInt8]) throws(MetadataMessageError) {
        let header: BencodeValue
        let headerLength: Int
        do {
            (header, headerLength) = try BencodeDecoder(maxDepth: 4, maxStringLength: 1024).decodePrefix(bytes[...])
        } catch {
            throw .invalidBencode
        }
        guard header.dictionary != nil else { throw .notADictionary }
        guard let type = header["msg_type"]?.integer else { throw .missingField("msg_type") }
        guard let rawPiece = header["piece"]?.integer else { throw .missingField("piece") }
        guard rawPiece >= 0, rawPiece < Int64(Self.maxPieceCount) else { throw .pieceOutOfRange(rawPiece) }
        let piece = Int(rawPiece)
        switch type {
        case 0:
            self = .request(piece: piece)
        case 2:
            self = .reject(piece: piece)
        case 1:
            guard let rawTotal = header["total_size"]?.integer else { throw .missingField("total_size") }
            guard rawTotal > 0, rawTotal <= Int64(Self.maxTotalSize) else { throw .totalSizeOutOfRange(rawTotal) }
            let totalSize = Int(rawTotal)
            guard piece < Self.pieceCount(totalSize: totalSize) else { throw .pieceOutOfRange(rawPiece) }
            let data = Array(bytes[headerLength...])
            let expected = Self.length(ofPiece: piece, totalSize: totalSize)
            guard data.count == expected else { throw .wrongPieceLength(piece: piece, expected: expected, got: data.count) }
            self = .data(piece: piece, totalSize: totalSize, data: data)
        default:
            throw .unknownType(type)
        }
    }
}

/// Why a `ut_metadata` message was refused.
public enum MetadataMessageError: Error, Equatable, Sendable, CustomStringConvertible {
    case invalidBencode
    case notADictionary
    case missingField(String)
    case unknownType(Int64)
    case pieceOutOfRange(Int64)
    case totalSizeOutOfRange(Int64)
    case wrongPieceLength(piece: Int, expected: Int, got: Int)

    public var description: String {
        switch self {
        case .invalidBencode: "peer sent a metadata message that is not bencoded"
        case .notADictionary: "peer sent a metadata message that is not a dictionary"
        case .missingField(let key): "peer sent a metadata message without '\(key)'"
        case .unknownType(let type): "peer sent a metadata message of unknown type \(type)"
        case .pieceOutOfRange(let piece): "peer sent a metadata message for impossible piece \(piece)"
        case .totalSizeOutOfRange(let size): "peer claims the metadata is \(size) bytes, outside 1 byte…16 MiB"
        case .wrongPieceLength(let piece, let expected, let got):
            "peer sent metadata piece \(piece) of \(got) bytes where \(expected) were due"
        }
    }
}
