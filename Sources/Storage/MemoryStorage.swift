import TorrentCore

/// A torrent's bytes held in memory, for tests and tiny torrents.
///
/// Behaves like `FileStorage` towards padding files: they read as zeros and writes to them are
/// dropped.
public final class MemoryStorage: TorrentStorage {
    public let layout: FileLayout
    private let bytes: Locked<[UInt8]>

    /// Empty (all-zero) storage for `layout`.
    public init(layout: FileLayout) {
        self.layout = layout
        self.bytes = Locked([UInt8](repeating: 0, count: layout.totalLength))
    }

    /// Storage holding `contents`, the whole byte stream of the torrent (padding bytes are ignored).
    public convenience init(layout: FileLayout, contents: [UInt8]) {
        precondition(contents.count == layout.totalLength, "contents must be the torrent's whole byte stream")
        self.init(layout: layout)
        contents.withUnsafeBytes { buffer in
            var stream = 0
            while stream < contents.count {
                let length = min(layout.pieceLength, contents.count - stream)
                try? write(piece: stream / layout.pieceLength, offset: 0,
                           from: UnsafeRawBufferPointer(rebasing: buffer[stream..<stream + length]))
                stream += length
            }
        }
    }

    /// A copy of the whole byte stream.
    public var contents: [UInt8] { bytes.withLock { $0 } }

    public func read(piece: Int, offset: Int, into buffer: UnsafeMutableRawBufferPointer) throws(StorageError) {
        try checkRange(piece: piece, offset: offset, length: buffer.count)
        let start = piece * layout.pieceLength + offset
        bytes.withLock { stored in
            stored.withUnsafeBytes { source in
                buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: source[start..<start + buffer.count]))
            }
        }
    }

    public func write(piece: Int, offset: Int, from buffer: UnsafeRawBufferPointer) throws(StorageError) {
        try checkRange(piece: piece, offset: offset, length: buffer.count)
        let start = piece * layout.pieceLength + offset
        let spans = layout.spans(streamOffset: start, length: buffer.count)
        bytes.withLock { stored in
            stored.withUnsafeMutableBytes { target in
                var position = 0
                for span in spans {
                    defer { position += span.length }
                    let file = layout.files[span.fileIndex]
                    guard !file.isPadding else { continue }
                    let at = file.offset + span.fileOffset
                    UnsafeMutableRawBufferPointer(rebasing: target[at..<at + span.length])
                        .copyMemory(from: UnsafeRawBufferPointer(rebasing: buffer[position..<position + span.length]))
                }
            }
        }
    }

    /// Memory is as durable as it gets: nothing to do.
    public func synchronize() throws(StorageError) {}
}
