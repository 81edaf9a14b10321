/// Why a torrent file or its `info` dictionary was rejected.
public enum MetainfoError: Error, Equatable, Sendable, CustomStringConvertible {
    case notBencode(String)
    case notADictionary
    case missingField(String)
    case wrongType(field: String, expected: String)
    case invalidPieceLength(Int64)
    case invalidPiecesLength(Int)
    case pieceCountMismatch(expected: Int, actual: Int)
    case invalidFileLength(path: String, length: Int64)
    case unsafePath(String, reason: String)
    case duplicatePath(String)
    case emptyTorrent
    case totalTooLarge
    case unsupportedMetaVersion(Int64)
    case invalidFileTree(String)
    case badPieceLayer(String)
    case missingPieceLayers
    case hybridMismatch(String)

    public var description: String {
        switch self {
        case .notBencode(let detail): return "not a torrent file (\(detail))"
        case .notADictionary: return "not a torrent file (the top level is not a dictionary)"
        case .missingField(let field): return "the torrent has no '\(field)' field"
        case .wrongType(let field, let expected): return "the torrent's '\(field)' field should be \(expected)"
        case .invalidPieceLength(let length): return "the piece length \(length) is not a positive size"
        case .invalidPiecesLength(let count):
            return "the 'pieces' field has \(count) bytes, which is not a whole number of 20-byte hashes"
        case .pieceCountMismatch(let expected, let actual):
            return "the torrent lists \(actual) piece hashes but its size needs \(expected)"
        case .invalidFileLength(let path, let length): return "the file '\(path)' has an invalid length \(length)"
        case .unsafePath(let path, let reason): return "the file path '\(path)' is unsafe: \(reason)"
        case .duplicatePath(let path): return "the file path '\(path)' appears twice or clashes with a folder"
        case .emptyTorrent: return "the torrent contains no data"
        case .totalTooLarge: return "the torrent's total size is too large"
        case .unsupportedMetaVersion(let version): return "the torrent's 'meta version' \(version) is not 2"
        case .invalidFileTree(let detail): return "the torrent's 'file tree' is malformed: \(detail)"
        case .badPieceLayer(let path): return "the piece layer of '\(path)' does not match the file's merkle root"
        case .missingPieceLayers: return "the v2 torrent lacks the 'piece layers' of some of its files"
        case .hybridMismatch(let detail): return "the hybrid torrent's v1 and v2 halves disagree: \(detail)"
        }
    }
}
