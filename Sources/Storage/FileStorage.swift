import SystemPackage
import TorrentCore

/// A torrent's files inside a download folder.
///
/// Each file lives at `root/` + its path components. Padding files (BEP 47) are never created:
/// they read as zeros and writes to them are dropped. Descriptors are opened on first use and
/// kept (up to `maxOpenFiles`), and every method may be called from several threads at once.
/// Files are opened without following any symbolic link below `root` (see `DownloadFolder`), so a
/// link someone placed in a shared download folder is refused rather than written through.
///
/// With `directWrites` on, the block-aligned interior of each write goes to the disk with `O_DIRECT`
/// (copied through reused aligned buffers) when it holds at least `directMinimum` bytes, which
/// skips the page cache: on the machines measured a buffered write cost ~2 CPU s per GiB in the
/// kernel, a direct one ~0.3. Heads and tails off the 4 KiB grid, and short writes, go buffered;
/// both kinds never share a page. A file system that refuses direct I/O is noticed once per file
/// and written buffered from then on.
public final class FileStorage: TorrentStorage {
    /// Whether the storage may create and change files.
    public enum Mode: Sendable {
        /// Only reads; a missing file reads as `StorageError.fileMissing`. For checking and creating.
        case readOnly
        /// Reads and writes; writing to a missing file creates it (and its folders) at full size.
        case readWrite
    }

    public let layout: FileLayout
    public let mode: Mode
    /// How many descriptors stay open at most; idle ones are closed first when there are more.
    public let maxOpenFiles: Int
    /// Whether writes bypass the page cache where the file system allows it (see above).
    public let directWrites: Bool
    /// Where each file lives on disk; nil for padding files.
    private let paths: [FilePath?]
    /// The download folder and each file's path inside it; nil for sources read in place.
    private let folder: DownloadFolder?
    private let relativePaths: [FilePath?]
    private let table = Locked(DescriptorTable())
    private let scratch = AlignedScratch()
    /// Aligned interiors shorter than this go buffered: measured with 16 KiB pieces, a direct write
    /// per piece (a block allocation and a round trip to the disk each) cost 7.2-7.7 CPU s per GiB
    /// against 4.3-4.5 buffered; whole 1 MiB pieces cost 1.5-1.7 direct against 3.1-3.8 buffered.
    public static let directMinimum = 256 << 10

    /// Storage for `layout` below the folder `root`.
    ///
    /// Throws `unsafePath` when a (non-padding) file's path has a component that is empty, `.`,
    /// `..` or holds a `/` — TorrentCore refuses those already; this is a second line of defence.
    public init(root: String, layout: FileLayout, mode: Mode, maxOpenFiles: Int = 256,
                directWrites: Bool = true) throws(StorageError) {
        let folder = DownloadFolder(FilePath(root))
        var relativePaths: [FilePath?] = []
        relativePaths.reserveCapacity(layout.files.count)
        for file in layout.files {
            relativePaths.append(file.isPadding ? nil : try Self.relativePath(of: file))
        }
        self.folder = folder
        self.relativePaths = relativePaths
        self.paths = relativePaths.map { $0.map(folder.path(of:)) }
        self.layout = layout
        self.mode = mode
        self.maxOpenFiles = max(1, maxOpenFiles)
        self.directWrites = directWrites
    }

    /// Read-only storage whose files live at the given paths (nil for padding), links followed;
    /// used to read the sources of a new torrent in place.
    init(readingSourcesAt paths: [FilePath?], layout: FileLayout, maxOpenFiles: Int = 256) {
        precondition(paths.count == layout.files.count)
        self.folder = nil
        self.relativePaths = paths.map { _ in nil }
        self.paths = paths
        self.layout = layout
        self.mode = .readOnly
        self.maxOpenFiles = max(1, maxOpenFiles)
        self.directWrites = false
    }

    deinit {
        table.withLock { table in
            for entry in table.entries.values { entry.close() }
        }
    }

    /// Where `file` lives inside the download folder, refusing any path that could step outside it.
    static func relativePath(of file: TorrentFile) throws(StorageError) -> FilePath {
        // Each name must be one regular component: not empty, `.` or `..`, without a separator or
        // NUL. Checked by hand and joined once: FilePath's per-component parsing cost ~7 ms per
        // file in debug builds (a 300-file torrent took 2 s to add).
        for name in file.path {
            let bytes = name.utf8
            guard !bytes.isEmpty, name != ".", name != "..", !bytes.contains(0), !bytes.contains(UInt8(ascii: "/"))
            else { throw .unsafePath(file.displayPath) }
        }
        let path = FilePath(file.path.joined(separator: "/"))
        guard !file.path.isEmpty, path.isRelative else { throw .unsafePath(file.displayPath) }
        return path
    }

    /// The on-disk path of file `index`, or nil for a padding file.
    public func path(ofFile index: Int) -> String? { paths[index]?.string }

    // MARK: - Preparing and closing

    /// Creates every folder and every non-padding file (zero-length ones too) so the download can
    /// be written; files are made at full size without writing data (sparse). Existing files
    /// keep their contents; shorter ones are extended.
    public func prepare() throws(StorageError) {
        guard mode == .readWrite else { throw .readOnly(path: paths.lazy.compactMap { $0 }.first?.string ?? "") }
        for index in layout.files.indices where paths[index] != nil {
            let descriptor = try createFile(index)
            try? descriptor.close()
        }
    }

    /// Closes every idle descriptor; ones in use close as soon as their call finishes.
    /// Later calls reopen files as needed.
    public func close() {
        table.withLock { table in
            for (index, entry) in table.entries {
                if entry.users == 0 {
                    entry.close()
                    table.entries[index] = nil
                } else {
                    table.entries[index]?.closeWhenIdle = true
                }
            }
        }
    }

    /// How many descriptors are open now (for tests and diagnostics).
    public var openFileCount: Int { table.withLock { $0.entries.count } }

    // MARK: - Deleting

    /// Deletes the files of `layout` below `root` (not padding, not other files), then the folders
    /// they were in once empty. Only regular files reached without a symbolic link are removed:
    /// a link on the way is left alone and reported, so nothing outside the folder is touched.
    /// Returns what stayed behind, and why (each reason once).
    public static func deleteFiles(of layout: FileLayout, root: String) -> [StorageError] {
        let folder = DownloadFolder(FilePath(root))
        var problems: [StorageError] = []
        func note(_ error: StorageError) { if !problems.contains(error) { problems.append(error) } }
        var folders: Set<FilePath> = []
        for file in layout.files where !file.isPadding {
            do throws(StorageError) {
                let relative = try relativePath(of: file)
                try folder.removeFile(relative)
                var parent = relative.removingLastComponent()
                while !parent.isEmpty {
                    folders.insert(parent)
                    parent.removeLastComponent()
                }
            } catch {
                note(error)
            }
        }
        // Deepest first; a folder that still holds anything stays.
        for relative in folders.sorted(by: { $0.components.count > $1.components.count }) {
            do throws(StorageError) { try folder.removeFolderIfEmpty(relative) } catch { note(error) }
        }
        return problems
    }

    // MARK: - Reading and writing

    public func read(piece: Int, offset: Int, into buffer: UnsafeMutableRawBufferPointer) throws(StorageError) {
        try checkRange(piece: piece, offset: offset, length: buffer.count)
        var position = 0
        for span in layout.spans(piece: piece, offset: offset, length: buffer.count) {
            let target = UnsafeMutableRawBufferPointer(rebasing: buffer[position..<position + span.length])
            if let path = paths[span.fileIndex] {
                try withDescriptor(span.fileIndex, forWriting: false) { (file) throws(StorageError) in
                    try Self.readFully(file.descriptor, at: span.fileOffset, into: target, path: path)
                }
            } else {
                target.initializeMemory(as: UInt8.self, repeating: 0)
            }
            position += span.length
        }
    }

    public func write(piece: Int, offset: Int, from buffer: UnsafeRawBufferPointer) throws(StorageError) {
        try checkRange(piece: piece, offset: offset, length: buffer.count)
        var done = 0
        try write(GatheredBytes([buffer]), at: piece * layout.pieceLength + offset, done: &done)
    }

    /// Writes consecutive whole pieces with as few calls as their files allow.
    public func write(pieces first: Int, _ buffers: [UnsafeRawBufferPointer], stored: inout Int) throws(StorageError) {
        stored = 0
        for (index, buffer) in buffers.enumerated() {
            try checkRange(piece: first + index, offset: 0, length: buffer.count)
            guard buffer.count == layout.size(ofPiece: first + index) else {
                throw .outOfRange(piece: first + index, offset: 0, length: buffer.count)
            }
        }
        guard !buffers.isEmpty else { return }
        var done = 0
        defer {
            // Whole pieces before the span that failed (all of them when none did).
            stored = done == buffers.reduce(0, { $0 + $1.count }) ? buffers.count : done / layout.pieceLength
        }
        try write(GatheredBytes(buffers), at: first * layout.pieceLength, done: &done)
    }

    /// Writes `source` from `streamOffset`; `done` counts the bytes of the spans already written.
    private func write(_ source: GatheredBytes, at streamOffset: Int, done position: inout Int) throws(StorageError) {
        position = 0
        for span in layout.spans(streamOffset: streamOffset, length: source.count) {
            guard let path = paths[span.fileIndex] else {  // padding: dropped
                position += span.length
                continue
            }
            guard mode == .readWrite else { throw .readOnly(path: path.string) }
            let start = position
            try withDescriptor(span.fileIndex, forWriting: true) { (file) throws(StorageError) in
                do throws(Errno) {
                    try write(span, of: source, from: start, to: file)
                } catch {
                    throw .io(.write, path: path.string, error)
                }
            }
            position += span.length
        }
    }

    /// Writes `span` from `source` (its first byte at `start`): the aligned interior direct when it can.
    private func write(_ span: FileLayout.Span, of source: GatheredBytes, from start: Int, to file: OpenFile) throws(Errno) {
        let alignment = AlignedScratch.alignment
        let end = span.fileOffset + span.length
        let interiorStart = (span.fileOffset + alignment - 1) / alignment * alignment
        let interiorEnd = end / alignment * alignment
        /// Source positions of file bytes `range`.
        func positions(_ range: Range<Int>) -> Range<Int> {
            start + range.lowerBound - span.fileOffset..<start + range.upperBound - span.fileOffset
        }
        func buffered(_ range: Range<Int>) throws(Errno) {
            guard !range.isEmpty else { return }
            try Posix.writeAll(file.descriptor, source.segments(positions(range)), at: range.lowerBound)
        }
        guard let direct = file.direct, interiorEnd - interiorStart >= Self.directMinimum else {
            return try buffered(span.fileOffset..<end)
        }
        try buffered(span.fileOffset..<interiorStart)
        let written = try writeDirect(interiorStart..<interiorEnd, source: source, positions: positions, to: direct,
                                      fileIndex: file.index)
        try buffered(interiorStart + written..<end)
    }

    /// Writes file bytes `range` (aligned) through the direct descriptor, through the scratch buffers; returns how
    /// many were written, so the rest goes buffered: after a short write (whose cause a buffered one reports), or
    /// when the file system refuses direct writes (remembered for the file).
    private func writeDirect(_ range: Range<Int>, source: GatheredBytes, positions: (Range<Int>) -> Range<Int>,
                             to direct: FileDescriptor, fileIndex: Int) throws(Errno) -> Int {
        let written = try scratch.withBuffer { (buffer) throws(Errno) -> Int in
            var offset = range.lowerBound
            while offset < range.upperBound {
                let length = min(buffer.count, range.upperBound - offset)
                source.copy(positions(offset..<offset + length), to: buffer.baseAddress!)
                let done: Int
                do throws(Errno) {
                    done = try Posix.writeOnce(direct, UnsafeRawBufferPointer(rebasing: buffer[0..<length]), at: offset)
                } catch where error == .invalidArgument {
                    refuseDirectWrites(fileIndex)
                    break
                }
                offset += done
                if done < length { break }
            }
            return offset - range.lowerBound
        }
        return written ?? 0
    }

    // MARK: - Durability

    /// Flushes (`fsync`) every file written through this storage since the last call, so those
    /// writes survive a power cut. A file counts as written once a write to it has returned.
    ///
    /// A failed flush is not retried on the next call: the kernel may have dropped the pages it
    /// could not write, so a later flush that succeeds proves nothing about them.
    public func synchronize() throws(StorageError) {
        let written = table.withLock { table in
            defer { table.written = [] }
            return table.written
        }
        var failure: StorageError?
        for index in written.sorted() {
            do throws(StorageError) { try flush(index) } catch { failure = failure ?? error }
        }
        if let failure { throw failure }
    }

    /// Flushes every file that exists, whoever wrote it: after a check, so that data a killed
    /// process left only in the page cache is on disk before resume data vouches for it.
    /// Missing files are skipped, and so are file systems that cannot flush (read-only ones).
    public func synchronizeEveryFile() throws(StorageError) {
        for index in layout.files.indices where paths[index] != nil {
            do throws(StorageError) { try flush(index) } catch {
                switch error {
                case .fileMissing: continue
                case .io(.flush, _, let errno) where errno == .readOnlyFileSystem || errno == .invalidArgument: continue
                default: throw error
                }
            }
        }
    }

    private func flush(_ index: Int) throws(StorageError) {
        let path = paths[index]!
        try withDescriptor(index, forWriting: false) { (file) throws(StorageError) in
            do throws(Errno) { try Posix.flush(file.descriptor) } catch { throw .io(.flush, path: path.string, error) }
        }
    }

    private static func readFully(_ descriptor: FileDescriptor, at offset: Int, into buffer: UnsafeMutableRawBufferPointer,
                                  path: FilePath) throws(StorageError) {
        var done = 0
        while done < buffer.count {
            let count: Int
            do {
                count = try descriptor.read(fromAbsoluteOffset: Int64(offset + done),
                                            into: UnsafeMutableRawBufferPointer(rebasing: buffer[done...]))
            } catch {
                throw .io(.read, path: path.string, Self.errno(error))
            }
            if count == 0 { throw .unexpectedEndOfFile(path: path.string) }
            done += count
        }
    }

    // MARK: - Descriptors

    private struct DescriptorTable: Sendable {
        struct Entry: Sendable {
            var descriptor: FileDescriptor
            /// The same file open for direct writes, once a write asked for it.
            var direct: FileDescriptor?
            var users: Int
            var lastUse: UInt64
            var closeWhenIdle = false

            func close() {
                try? descriptor.close()
                try? direct?.close()
            }
        }
        var entries: [Int: Entry] = [:]
        var clock: UInt64 = 0
        /// Files written since the last `synchronize`.
        var written: Set<Int> = []
        /// Files whose file system refused direct writes: written buffered from then on.
        var directRefused: Set<Int> = []
    }

    /// An open file as a call sees it: its descriptor, and for writes the direct one if there is one.
    private struct OpenFile {
        let index: Int
        let descriptor: FileDescriptor
        let direct: FileDescriptor?
    }

    /// Runs `body` with an open descriptor for file `index`, opening (or, for writing, creating) it first.
    private func withDescriptor<Result>(
        _ index: Int, forWriting: Bool, _ body: (OpenFile) throws(StorageError) -> Result
    ) throws(StorageError) -> Result {
        let file = try table.withLock { (table) throws(StorageError) -> OpenFile in
            table.clock += 1
            if table.entries[index] == nil {
                let descriptor = try open(index, forWriting: forWriting)
                table.entries[index] = .init(descriptor: descriptor, users: 0, lastUse: table.clock)
                evictIdle(&table, keeping: index)
            }
            table.entries[index]!.users += 1
            table.entries[index]!.lastUse = table.clock
            let entry = table.entries[index]!
            guard forWriting, directWrites, !table.directRefused.contains(index) else {
                return OpenFile(index: index, descriptor: entry.descriptor, direct: nil)
            }
            if let direct = entry.direct { return OpenFile(index: index, descriptor: entry.descriptor, direct: direct) }
            do throws(Errno) {
                let direct = try Posix.openDirect(sameFileAs: entry.descriptor)
                table.entries[index]!.direct = direct
                return OpenFile(index: index, descriptor: entry.descriptor, direct: direct)
            } catch {
                table.directRefused.insert(index)
                return OpenFile(index: index, descriptor: entry.descriptor, direct: nil)
            }
        }
        defer {
            table.withLock { table in
                // Marked once the write has returned: a flush that takes the mark covers it.
                if forWriting { table.written.insert(index) }
                table.entries[index]!.users -= 1
                if let entry = table.entries[index], entry.users == 0,
                   entry.closeWhenIdle || table.entries.count > maxOpenFiles {
                    entry.close()
                    table.entries[index] = nil
                }
            }
        }
        return try body(file)
    }

    /// Remembers that file `index` is written buffered from now on.
    private func refuseDirectWrites(_ index: Int) {
        table.withLock { _ = $0.directRefused.insert(index) }
    }

    /// Whether writes to file `index` still go direct (for tests and diagnostics): false once its
    /// file system refused, or with `directWrites` off.
    public func writesDirectly(toFile index: Int) -> Bool {
        directWrites && Posix.directFlag != 0 && !table.withLock { $0.directRefused.contains(index) }
    }

    /// Closes the least recently used idle descriptors (other than `kept`) while there are more than allowed.
    private func evictIdle(_ table: inout DescriptorTable, keeping kept: Int) {
        while table.entries.count > maxOpenFiles {
            let idle = table.entries.filter { $0.value.users == 0 && $0.key != kept }
            guard let victim = idle.min(by: { $0.value.lastUse < $1.value.lastUse }) else { return }
            victim.value.close()
            table.entries[victim.key] = nil
        }
    }

    private func open(_ index: Int, forWriting: Bool) throws(StorageError) -> FileDescriptor {
        let path = paths[index]!
        guard let folder, let relative = relativePaths[index] else {
            // A source read in place, at the path the user gave.
            do { return try FileDescriptor.open(path, .readOnly, options: [.closeOnExec]) } catch {
                let errno = Self.errno(error)
                if errno == .noSuchFileOrDirectory || errno == .notDirectory { throw .fileMissing(path: path.string) }
                throw .io(.open, path: path.string, errno)
            }
        }
        do {
            return try folder.openFile(relative, access: mode == .readOnly ? .read : .readWrite)
        } catch {
            if case .fileMissing = error, forWriting && mode == .readWrite { return try createFile(index) }
            throw error
        }
    }

    /// Creates file `index` (and its folders) if needed and makes it at least its full length, sparsely.
    private func createFile(_ index: Int) throws(StorageError) -> FileDescriptor {
        let path = paths[index]!
        guard let folder, let relative = relativePaths[index] else { throw .readOnly(path: path.string) }
        let permissions: FilePermissions = layout.files[index].isExecutable
            ? [.ownerReadWriteExecute, .groupReadExecute, .otherReadExecute]
            : [.ownerReadWrite, .groupRead, .otherRead]
        let descriptor = try folder.openFile(relative, access: .readWrite, creatingWith: permissions)
        do throws(StorageError) {
            let length = Int64(layout.files[index].length)
            let size: Int64
            do { size = try Posix.status(descriptor).size } catch {
                throw StorageError.io(.inspect, path: path.string, error)
            }
            if size < length {
                do { try descriptor.resize(to: length) } catch {
                    throw StorageError.io(.resize, path: path.string, Self.errno(error))
                }
            }
        } catch {
            try? descriptor.close()
            throw error
        }
        return descriptor
    }

    static func errno(_ error: any Error) -> Errno {
        (error as? Errno) ?? .ioError
    }
}
