/// One file of a torrent, placed in the torrent's byte stream.
public struct TorrentFile: Hashable, Sendable {
    /// Safe path components below the download folder, starting with the torrent's name folder
    /// for multi-file torrents.
    public let path: [String]
    /// Size in bytes.
    public let length: Int
    /// Where the file starts in the concatenation of all files.
    public let offset: Int
    /// A BEP 47 padding file: exists only to align the next file; never written to disk.
    public let isPadding: Bool
    /// BEP 47 attributes other than padding: executable, hidden.
    public let isExecutable: Bool
    public let isHidden: Bool

    public init(path: [String], length: Int, offset: Int, isPadding: Bool = false,
                isExecutable: Bool = false, isHidden: Bool = false) {
        self.path = path
        self.length = length
        self.offset = offset
        self.isPadding = isPadding
        self.isExecutable = isExecutable
        self.isHidden = isHidden
    }

    /// The path joined with `/`.
    public var displayPath: String { path.joined(separator: "/") }

    /// The byte range this file occupies in the torrent's stream.
    public var range: Range<Int> { offset..<offset + length }
}
