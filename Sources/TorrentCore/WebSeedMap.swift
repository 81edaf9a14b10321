/// Where a torrent's bytes live on a BEP 19 (GetRight-style) web seed: an HTTP mirror that
/// holds the torrent's files under their own names and answers byte-range requests.
///
/// A single-file torrent's URL names the file itself, unless it ends with `/`, when the file's
/// name is added. A multi-file torrent's URL names a folder that holds the torrent's top folder:
/// `url/name/dir/file`, each component percent-encoded. BEP 47 padding files are never on the
/// mirror: their bytes are zeros.
public struct WebSeedMap: Sendable {
    /// One part of a requested range.
    public enum Segment: Hashable, Sendable {
        /// The bytes `range` of the file at `url`.
        case file(url: String, range: Range<Int>)
        /// Bytes of a padding file: zeros, fetched from nowhere.
        case zeros(Int)

        public var length: Int {
            switch self {
            case .file(_, let range): range.count
            case .zeros(let count): count
            }
        }
    }

    /// The URL as the torrent or magnet link gave it.
    public let baseURL: String
    private let layout: FileLayout
    /// The full URL of each file of the layout (nil for padding files).
    private let fileURLs: [String?]

    public init(url: String, info: TorrentInfo) {
        self.init(url: url, layout: info.layout, isMultiFile: info.isMultiFile)
    }

    public init(url: String, layout: FileLayout, isMultiFile: Bool) {
        baseURL = url
        self.layout = layout
        let folder = url.hasSuffix("/") ? url : url + "/"
        fileURLs = layout.files.map { file in
            guard !file.isPadding else { return nil }
            let path = file.path.map(MagnetLink.percentEncode).joined(separator: "/")
            if isMultiFile { return folder + path }
            return url.hasSuffix("/") ? url + path : url
        }
    }

    /// The URL that holds file `index` of the torrent (nil for a padding file).
    public func url(ofFile index: Int) -> String? { fileURLs[index] }

    /// The parts of the mirror that hold `length` bytes starting `offset` bytes into `piece`,
    /// in order; their lengths add up to `length`.
    public func segments(piece: Int, offset: Int, length: Int) -> [Segment] {
        segments(streamOffset: piece * layout.pieceLength + offset, length: length)
    }

    /// The parts of the mirror that hold `length` bytes from `streamOffset` of the whole torrent.
    public func segments(streamOffset: Int, length: Int) -> [Segment] {
        layout.spans(streamOffset: streamOffset, length: length).map { span in
            guard let url = fileURLs[span.fileIndex] else { return .zeros(span.length) }
            return .file(url: url, range: span.fileOffset..<span.fileOffset + span.length)
        }
    }
}
