/// Maps piece-relative byte ranges onto the files that hold them.
///
/// Pieces may span files; zero-length files occupy no bytes and are never part of a span.
public struct FileLayout: Hashable, Sendable {
    public let files: [TorrentFile]
    public let pieceLength: Int
    public let totalLength: Int
    public let pieceCount: Int
    /// Indices into `files` of the files with data, sorted by offset, for binary search.
    private let dataFiles: [Int]

    /// A part of one file.
    public struct Span: Hashable, Sendable {
        public let fileIndex: Int
        public let fileOffset: Int
        public let length: Int

        public init(fileIndex: Int, fileOffset: Int, length: Int) {
            self.fileIndex = fileIndex
            self.fileOffset = fileOffset
            self.length = length
        }
    }

    public init(files: [TorrentFile], pieceLength: Int) {
        precondition(pieceLength > 0)
        self.files = files
        self.pieceLength = pieceLength
        self.totalLength = files.last.map { $0.offset + $0.length } ?? 0
        self.pieceCount = (totalLength + pieceLength - 1) / pieceLength
        self.dataFiles = files.indices.filter { files[$0].length > 0 }
    }

    /// Size of the given piece: `pieceLength`, except possibly the last one.
    public func size(ofPiece piece: Int) -> Int {
        precondition(piece >= 0 && piece < pieceCount)
        return min(pieceLength, totalLength - piece * pieceLength)
    }

    /// The file pieces that hold `length` bytes starting `offset` bytes into `piece`.
    public func spans(piece: Int, offset: Int, length: Int) -> [Span] {
        spans(streamOffset: piece * pieceLength + offset, length: length)
    }

    /// The file pieces that hold `length` bytes starting at `streamOffset` of the whole torrent.
    public func spans(streamOffset: Int, length: Int) -> [Span] {
        precondition(streamOffset >= 0 && length >= 0 && streamOffset + length <= totalLength, "range outside torrent")
        var result: [Span] = []
        var position = streamOffset
        let end = streamOffset + length
        var slot = firstDataFile(containing: position)
        while position < end, slot < dataFiles.count {
            let fileIndex = dataFiles[slot]
            let file = files[fileIndex]
            let take = min(end, file.offset + file.length) - position
            result.append(Span(fileIndex: fileIndex, fileOffset: position - file.offset, length: take))
            position += take
            slot += 1
        }
        return result
    }

    /// The pieces that hold at least one byte of file `fileIndex` (empty for a zero-length file).
    public func pieces(ofFile fileIndex: Int) -> Range<Int> {
        let file = files[fileIndex]
        guard file.length > 0 else { return 0..<0 }
        return file.offset / pieceLength..<(file.offset + file.length - 1) / pieceLength + 1
    }

    private func firstDataFile(containing position: Int) -> Int {
        var low = 0
        var high = dataFiles.count
        while low < high {
            let mid = (low + high) / 2
            let file = files[dataFiles[mid]]
            if file.offset + file.length <= position { low = mid + 1 } else { high = mid }
        }
        return low
    }
}
