import SystemPackage
import TorrentCore

/// Makes a `.torrent` file from a file or a folder on disk.
///
/// A folder becomes a multi-file torrent named after it, holding its regular files (symlinks to
/// files are followed; symlinks to folders, sockets and devices are skipped) sorted bytewise by
/// path components so the same folder always gives the same torrent. A file becomes a
/// single-file torrent.
public enum TorrentCreator {
    /// Everything about the new torrent besides its files.
    public struct Options: Sendable {
        /// Bytes per piece; nil picks `MetainfoBuilder.automaticPieceLength`.
        public var pieceLength: Int?
        /// Tracker URLs in tiers (BEP 12).
        public var trackerTiers: [[String]]
        /// Web seed URLs (BEP 19).
        public var webSeeds: [String]
        /// BEP 27: peers come from the trackers only.
        public var isPrivate: Bool
        public var comment: String?
        /// Seconds since 1970 to record; nil records none, so the output depends only on the data.
        public var creationDate: Int64?
        public var createdBy: String?
        /// Hashing threads.
        public var threads: Int
        /// v1 (BEP 3), v2 only, or a hybrid of both (BEP 52).
        public var version: MetaVersion = .v1

        public init(pieceLength: Int? = nil, trackerTiers: [[String]] = [], webSeeds: [String] = [],
                    isPrivate: Bool = false, comment: String? = nil, creationDate: Int64? = nil,
                    createdBy: String? = "rill", threads: Int = PieceHasher.defaultThreads) {
            self.pieceLength = pieceLength
            self.trackerTiers = trackerTiers
            self.webSeeds = webSeeds
            self.isPrivate = isPrivate
            self.comment = comment
            self.creationDate = creationDate
            self.createdBy = createdBy
            self.threads = threads
        }
    }

    /// The bytes of a `.torrent` file sharing the file or folder at `path`.
    public static func create(from path: String, options: Options = Options(),
                              progress: PieceHasher.Progress? = nil) throws(StorageError) -> [UInt8] {
        let source = try scan(path)
        let total = source.files.reduce(0) { $0 + $1.length }
        guard total > 0 else { throw .nothingToShare(path: path) }
        let pieceLength = options.pieceLength ?? MetainfoBuilder.automaticPieceLength(forTotalLength: total)
        guard pieceLength > 0, pieceLength <= 1 << 30 else { throw .invalidPieceLength(pieceLength) }
        guard options.version == .v1 || (pieceLength >= 16 * 1024 && pieceLength & (pieceLength - 1) == 0) else {
            throw .invalidPieceLength(pieceLength)
        }

        // v2 and hybrid torrents start every file on a piece boundary, padding the gaps (BEP 47).
        let aligned = options.version != .v1
        var torrentFiles: [TorrentFile] = []
        var entries: [MetainfoBuilder.Entry] = []
        var diskPaths: [FilePath?] = []
        var offset = 0
        for (index, file) in source.files.enumerated() {
            torrentFiles.append(TorrentFile(path: [source.name] + file.components, length: file.length, offset: offset))
            entries.append(.init(path: file.components, length: file.length))
            diskPaths.append(file.diskPath)
            offset += file.length
            if aligned, offset % pieceLength != 0, index < source.files.count - 1 {
                let pad = pieceLength - offset % pieceLength
                torrentFiles.append(TorrentFile(path: [source.name, ".pad", String(pad)], length: pad, offset: offset,
                                                isPadding: true))
                entries.append(.init(path: [".pad", String(pad)], length: pad, isPadding: true))
                diskPaths.append(nil)
                offset += pad
            }
        }
        let layout = FileLayout(files: torrentFiles, pieceLength: pieceLength)
        let storage = FileStorage(readingSourcesAt: diskPaths, layout: layout)
        defer { storage.close() }

        var builder = MetainfoBuilder(name: source.name, pieceLength: pieceLength,
                                      files: source.isFolder ? entries : nil, singleFileLength: source.isFolder ? 0 : total)
        builder.version = options.version
        let hashes: [UInt8]
        if aligned {
            let v2 = try hashV2(layout: layout, storage: storage, sha1: options.version == .hybrid,
                                threads: options.threads, progress: progress)
            hashes = v2.sha1
            builder.pieceLayers = v2.layers
            for (index, file) in torrentFiles.enumerated() where !file.isPadding {
                if source.isFolder { builder.files?[index].piecesRoot = v2.roots[index] } else {
                    builder.singleFileRoot = v2.roots[index]
                }
            }
        } else {
            hashes = try PieceHasher.hashPieces(storage: storage, threads: options.threads, progress: progress)
        }
        builder.trackerTiers = options.trackerTiers.filter { !$0.isEmpty }
        builder.webSeeds = options.webSeeds
        builder.isPrivate = options.isPrivate
        builder.comment = options.comment
        builder.createdBy = options.createdBy
        builder.creationDate = options.creationDate
        return builder.torrentBytes(pieceHashes: hashes)
    }

    /// The v2 hashes of an aligned layout: each file's root, the piece layers of files longer
    /// than a piece, and (for a hybrid) the SHA-1 of every piece.
    private static func hashV2(layout: FileLayout, storage: FileStorage, sha1: Bool, threads: Int,
                               progress: PieceHasher.Progress?) throws(StorageError)
        -> (sha1: [UInt8], roots: [[UInt8]?], layers: [[UInt8]: [UInt8]]) {
        var geometry = [PieceHasher.MerkleGeometry](repeating: .init(dataLength: 0, leafWidth: 1),
                                                    count: layout.pieceCount)
        for (index, file) in layout.files.enumerated() where !file.isPadding {
            let width = MerkleTree.leafWidth(fileLength: file.length, pieceLength: layout.pieceLength)
            for piece in layout.pieces(ofFile: index) {
                let length = min(layout.size(ofPiece: piece), file.offset + file.length - piece * layout.pieceLength)
                geometry[piece] = .init(dataLength: length, leafWidth: width)
            }
        }
        let digests = try PieceHasher.hashPieces(storage: storage, merkle: geometry, sha1: sha1, threads: threads,
                                                 progress: progress)
        var roots: [[UInt8]?] = []
        var layers: [[UInt8]: [UInt8]] = [:]
        for (index, file) in layout.files.enumerated() {
            let pieces = layout.pieces(ofFile: index)
            guard !file.isPadding, !pieces.isEmpty else {
                roots.append(nil)
                continue
            }
            let layer = Array(digests.merkle[pieces.lowerBound * 32..<pieces.upperBound * 32])
            if file.length > layout.pieceLength {
                let root = MerkleTree.piecesRoot(pieceLayer: layer, pieceLength: layout.pieceLength)
                layers[root] = layer
                roots.append(root)
            } else {
                roots.append(layer)
            }
        }
        return (digests.sha1, roots, layers)
    }

    // MARK: - Finding the files

    struct SourceFile {
        /// Path below the torrent's name folder (just the name for a single file).
        var components: [String]
        var diskPath: FilePath
        var length: Int
    }

    struct Source {
        var name: String
        var isFolder: Bool
        var files: [SourceFile]
    }

    /// The name and files of what `path` points at.
    static func scan(_ path: String) throws(StorageError) -> Source {
        let given = FilePath(path)
        let status: Posix.Status
        do { status = try Posix.status(given) } catch {
            if error == .noSuchFileOrDirectory { throw .fileMissing(path: path) }
            throw .io(.inspect, path: path, error)
        }
        let name = try torrentName(of: given, shownAs: path)
        switch status.kind {
        case .regular:
            return Source(name: name, isFolder: false,
                          files: [SourceFile(components: [name], diskPath: given, length: Int(status.size))])
        case .directory:
            var files: [SourceFile] = []
            try walk(given, below: [], into: &files)
            files.sort { first, second in
                first.components.lexicographicallyPrecedes(second.components) { $0.utf8.lexicographicallyPrecedes($1.utf8) }
            }
            return Source(name: name, isFolder: true, files: files)
        case .symlink, .other:
            throw .notAFileOrFolder(path: path)
        }
    }

    /// The last component of `path`, resolving `.`, `..` and `/` to the real folder's name.
    private static func torrentName(of path: FilePath, shownAs shown: String) throws(StorageError) -> String {
        var name = path.lastComponent.map { String(decoding: $0) }
        if name == nil || name == "." || name == ".." {
            let resolved: FilePath
            do { resolved = try Posix.realPath(path) } catch { throw .io(.inspect, path: shown, error) }
            name = resolved.lastComponent.map { String(decoding: $0) }
        }
        guard let name, !name.isEmpty, name != "/" else {
            throw .unsupportedName(path: shown, reason: "it has no name to give the torrent")
        }
        return try checkedName(Array(name.utf8), in: shown)
    }

    private static func checkedName(_ bytes: [UInt8], in shown: String) throws(StorageError) -> String {
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw .unsupportedName(path: shown, reason: "its name is not valid UTF-8")
        }
        do { try SafePath.validate(component: text, in: shown) } catch {
            throw .unsupportedName(path: shown, reason: error.description)
        }
        return text
    }

    private static func walk(_ folder: FilePath, below components: [String],
                             into files: inout [SourceFile]) throws(StorageError) {
        let names: [[UInt8]]
        do { names = try Posix.listFolder(folder) } catch { throw .io(.listFolder, path: folder.string, error) }
        for raw in names {
            var child = folder
            child.append(FilePath.Component(platformString: raw.map { CInterop.PlatformChar(bitPattern: $0) } + [0])!)
            let name = try checkedName(raw, in: child.string)
            let status: Posix.Status
            do { status = try Posix.status(child, followSymlinks: false) } catch {
                throw .io(.inspect, path: child.string, error)
            }
            switch status.kind {
            case .directory:
                try walk(child, below: components + [name], into: &files)
            case .regular:
                files.append(SourceFile(components: components + [name], diskPath: child, length: Int(status.size)))
            case .symlink:
                // Follow links to files; skip links to folders (they could loop) and dangling ones.
                if let target = try? Posix.status(child), target.kind == .regular {
                    files.append(SourceFile(components: components + [name], diskPath: child, length: Int(target.size)))
                }
            case .other:
                continue
            }
        }
    }
}
