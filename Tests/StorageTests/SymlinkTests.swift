import Foundation
@testable import Storage
import SystemPackage
import TestSupport
import Testing
import TorrentCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A symbolic link someone placed in a shared download folder, pointing out of it.
enum PlantedLink: String, CaseIterable, Sendable, CustomTestStringConvertible {
    /// `downloads/t` → `outside/t`: the torrent's own folder.
    case torrentFolder
    /// `downloads/t/sub` → `outside/t/sub`: a folder inside the torrent.
    case innerFolder
    /// `downloads/t/sub/b` → `outside/t/sub/b`: one file of a multi-file torrent.
    case fileInTorrent
    /// `downloads/single` → `outside/single`: the file of a single-file torrent.
    case singleFile
    /// `downloads/t/sub/b` → `outside/nothing`, which does not exist.
    case dangling

    var testDescription: String { rawValue }

    /// The link's path below the download folder.
    var relative: String {
        switch self {
        case .torrentFolder: "t"
        case .innerFolder: "t/sub"
        case .fileInTorrent, .dangling: "t/sub/b"
        case .singleFile: "single"
        }
    }

    /// Where it points, below the outside folder.
    var target: String { self == .dangling ? "nothing" : relative }

    /// The real folders to make around it, below the download folder.
    var realFolders: [String] {
        switch self {
        case .torrentFolder, .singleFile: []
        case .innerFolder: ["t"]
        case .fileInTorrent, .dangling: ["t/sub"]
        }
    }
}

/// A download folder holding a planted link, next to an outside folder that must never change.
///
/// The torrent is `t` (files `a`, 10 bytes, and `sub/b`, 20 bytes) or, for `.singleFile`, the file
/// `single` (30 bytes); pieces are 16 bytes. The outside folder holds `t/a`, `t/sub/b` and `single`
/// with the torrent's true bytes, so a storage that followed a link would even find valid pieces
/// there. Files of the torrent not behind the link are written in the download folder too.
struct LinkScene {
    let folder: TemporaryDirectory
    let planted: PlantedLink
    let info: TorrentInfo
    let stream: [UInt8]

    var downloads: String { folder.file("downloads") }
    var outside: String { folder.file("outside") }
    /// The link's full path, as errors must name it.
    var link: String { downloads + "/" + planted.relative }

    init(_ planted: PlantedLink) throws {
        folder = try TemporaryDirectory("rill-links")
        self.planted = planted
        stream = pseudoRandomBytes(count: 30, seed: 7)
        let builder = planted == .singleFile
            ? MetainfoBuilder(name: "single", pieceLength: 16, files: nil, singleFileLength: 30)
            : MetainfoBuilder(name: "t", pieceLength: 16, files: [.init(path: ["a"], length: 10),
                                                                  .init(path: ["sub", "b"], length: 20)])
        info = try Metainfo(bytes: builder.torrentBytes(pieceHashes: referenceHashes(stream, pieceLength: 16))).info

        for (name, bytes) in [("t/a", stream[0..<10]), ("t/sub/b", stream[10..<30]), ("single", stream[0..<30])] {
            let path = try folder.write("outside/" + name, Array(bytes))
            setModificationTime(path, seconds: 1_500_000_000, nanoseconds: 123)
        }
        for name in planted.realFolders {
            try FileManager.default.createDirectory(atPath: downloads + "/" + name, withIntermediateDirectories: true)
        }
        if planted.realFolders.contains(where: { $0.hasPrefix("t") }) {
            try folder.write("downloads/t/a", Array(stream[0..<10]))
        }
        try FileManager.default.createDirectory(atPath: downloads, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: outside + "/" + planted.target)
    }

    func remove() { folder.remove() }
}

@Suite struct SymlinkTests {
    // MARK: - Links beneath the download folder

    @Test(arguments: PlantedLink.allCases)
    func writingRefusesTheLinkAndChangesNothingOutside(_ planted: PlantedLink) throws {
        let scene = try LinkScene(planted)
        defer { scene.remove() }
        let before = try tree(scene.outside)

        let prepared = try FileStorage(root: scene.downloads, layout: scene.info.layout, mode: .readWrite)
        #expect(throws: StorageError.symlinkRefused(path: scene.link)) { try prepared.prepare() }
        // Without `prepare`, the first write opens (or creates) each file.
        let storage = try FileStorage(root: scene.downloads, layout: scene.info.layout, mode: .readWrite)
        let failures = (0..<scene.info.pieceCount).compactMap { piece in
            let filler = [UInt8](repeating: 0xAB, count: scene.info.layout.size(ofPiece: piece))
            return failure { () throws(StorageError) in try storage.write(piece: piece, offset: 0, bytes: filler) }
        }

        #expect(!failures.isEmpty)
        #expect(failures.allSatisfy { $0 == .symlinkRefused(path: scene.link) }, "\(failures)")
        #expect(try tree(scene.outside) == before, "nothing outside the download folder changed")
        #expect(isSymbolicLink(scene.link), "the link itself stays")
        #expect(!fileExists(scene.outside + "/nothing"), "a dangling link is not created through")
    }

    @Test(arguments: PlantedLink.allCases)
    func readingAndCheckingRefuseTheLink(_ planted: PlantedLink) throws {
        let scene = try LinkScene(planted)
        defer { scene.remove() }
        let before = try tree(scene.outside)
        // Resume data that would be trusted if the link were followed: the linked files as they are.
        let store = ResumeStore(folder: scene.folder.file("resume"))
        try store.save(ResumeData(infoHash: scene.info.infoHash, pieceCount: scene.info.pieceCount,
                                  verified: Bitfield(count: scene.info.pieceCount, allSet: true),
                                  files: scene.info.files.indices.map { followedState(scene, file: $0) }))

        let storage = try FileStorage(root: scene.downloads, layout: scene.info.layout, mode: .readOnly)
        let failures = (0..<scene.info.pieceCount).compactMap { piece in
            failure { () throws(StorageError) in _ = try storage.readPiece(piece) }
        }
        #expect(!failures.isEmpty)
        #expect(failures.allSatisfy { $0 == .symlinkRefused(path: scene.link) })

        let refused = StorageError.symlinkRefused(path: scene.link)
        #expect(throws: refused) { try ResumeData.currentStates(of: scene.info.layout, downloadRoot: scene.downloads) }
        #expect(store.check(for: scene.info, downloadRoot: scene.downloads) == .rejected(refused.description))
        #expect(throws: refused) { try DataChecker.check(info: scene.info, root: scene.downloads, resume: store) }
        #expect(throws: refused) { try DataChecker.check(info: scene.info, root: scene.downloads, resume: nil) }
        #expect(try tree(scene.outside) == before)
    }

    @Test(arguments: PlantedLink.allCases)
    func deletingKeepsTheLinkAndEverythingOutside(_ planted: PlantedLink) throws {
        let scene = try LinkScene(planted)
        defer { scene.remove() }
        let before = try tree(scene.outside)

        let problems = FileStorage.deleteFiles(of: scene.info.layout, root: scene.downloads)

        #expect(problems == [.symlinkRefused(path: scene.link)])
        #expect(try tree(scene.outside) == before)
        #expect(isSymbolicLink(scene.link), "a link is never removed (nor what it points to)")
        if !planted.realFolders.isEmpty {
            #expect(!fileExists(scene.downloads + "/t/a"), "a real file reached without links still goes")
        }
    }

    @Test(arguments: PlantedLink.allCases)
    func theWalkForKernelsWithoutOpenat2RefusesTheLinkToo(_ planted: PlantedLink) throws {
        let scene = try LinkScene(planted)
        defer { scene.remove() }
        let before = try tree(scene.outside)
        let folder = DownloadFolder(FilePath(scene.downloads), usesOpenBeneath: false)
        let relative = FilePath(planted == .singleFile ? "single" : "t/sub/b")
        let refused = StorageError.symlinkRefused(path: scene.link)

        #expect(throws: refused) { _ = try folder.openFile(relative, access: .read) }
        #expect(throws: refused) { _ = try folder.openFile(relative, access: .readWrite, creatingWith: [.ownerReadWrite]) }
        #expect(throws: refused) { _ = try folder.status(of: relative) }
        #expect(throws: refused) { try folder.removeFile(relative) }
        #expect(try tree(scene.outside) == before)
        #expect(isSymbolicLink(scene.link))
    }

    @Test func theRefusalSaysWhatAndWhy() {
        #expect(StorageError.symlinkRefused(path: "/dl/t/sub").description
            == "refusing to follow the symbolic link '/dl/t/sub' inside the download folder: "
            + "a torrent's files must be real files and folders there")
    }

    // MARK: - What still works

    @Test(arguments: [true, false])
    func aTorrentWithoutLinksIsWrittenCheckedAndDeleted(usesOpenBeneath: Bool) throws {
        let fixture = try Fixture([FixtureFile("a", 10), FixtureFile("sub/deeper/b", 20), FixtureFile("c", 0)],
                                  pieceLength: 16, writeFiles: false)
        defer { fixture.remove() }
        if usesOpenBeneath {
            let storage = try FileStorage(root: fixture.root, layout: fixture.info.layout, mode: .readWrite)
            try storage.prepare()
            for piece in 0..<fixture.info.pieceCount {
                try storage.write(piece: piece, offset: 0, bytes: fixture.piece(piece))
            }
            storage.close()
        } else {
            // The walk older kernels use creates the folders, the files and reads them back.
            let folder = DownloadFolder(FilePath(fixture.root), usesOpenBeneath: false)
            for file in fixture.info.files {
                let relative = try FileStorage.relativePath(of: file)
                let descriptor = try folder.openFile(relative, access: .readWrite, creatingWith: [.ownerReadWrite])
                _ = try descriptor.writeAll(toAbsoluteOffset: 0, fixture.stream[file.offset..<file.offset + file.length])
                try descriptor.close()
                let reopened = try folder.openFile(relative, access: .read)
                try reopened.close()
                #expect(try folder.status(of: relative)?.size == Int64(file.length))
            }
        }

        #expect(try contents(fixture.path("sub/deeper/b")) == Array(fixture.stream[10..<30]))
        #expect(try DataChecker.check(info: fixture.info, root: fixture.root, resume: nil).verified.isComplete)
        #expect(try ResumeData.currentStates(of: fixture.info.layout, downloadRoot: fixture.root).map(\.size)
            == [10, 20, 0])
        #expect(FileStorage.deleteFiles(of: fixture.info.layout, root: fixture.root).isEmpty)
        #expect(!fileExists(fixture.path("")), "the torrent's folders go once empty")
    }

    @Test func aDownloadFolderThatIsItselfALinkIsFollowed() throws {
        let folder = try TemporaryDirectory("rill-links")
        defer { folder.remove() }
        let real = folder.file("elsewhere/real")
        try FileManager.default.createDirectory(atPath: real, withIntermediateDirectories: true)
        let root = folder.file("downloads")
        try FileManager.default.createSymbolicLink(atPath: root, withDestinationPath: real)
        let layout = FileLayout(files: [TorrentFile(path: ["t", "sub", "a"], length: 4, offset: 0),
                                        TorrentFile(path: ["t", "b"], length: 3, offset: 4)], pieceLength: 8)

        let storage = try FileStorage(root: root, layout: layout, mode: .readWrite)
        try storage.prepare()
        try storage.write(piece: 0, offset: 0, bytes: [1, 2, 3, 4, 5, 6, 7])
        storage.close()

        #expect(try contents(real + "/t/sub/a") == [1, 2, 3, 4])
        #expect(try contents(real + "/t/b") == [5, 6, 7])
        let reader = try FileStorage(root: root, layout: layout, mode: .readOnly)
        #expect(try reader.readPiece(0) == [1, 2, 3, 4, 5, 6, 7])
        reader.close()
        #expect(try ResumeData.currentStates(of: layout, downloadRoot: root).map(\.size) == [4, 3])
        #expect(FileStorage.deleteFiles(of: layout, root: root).isEmpty)
        #expect(!fileExists(real + "/t"))
        #expect(isSymbolicLink(root) && isFolder(real), "the download folder itself is the user's and stays")
    }

    @Test func aDownloadFolderMadeOnFirstWriteBelowALinkedParent() throws {
        let folder = try TemporaryDirectory("rill-links")
        defer { folder.remove() }
        let real = folder.file("real")
        try FileManager.default.createDirectory(atPath: real, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: folder.file("link"), withDestinationPath: real)
        let layout = FileLayout(files: [TorrentFile(path: ["t", "a"], length: 2, offset: 0)], pieceLength: 8)

        // The user named `link/new/downloads`: the part they gave may go through links and is created.
        let storage = try FileStorage(root: folder.file("link/new/downloads"), layout: layout, mode: .readWrite)
        try storage.write(piece: 0, offset: 0, bytes: [9, 8])

        #expect(try contents(real + "/new/downloads/t/a") == [9, 8])
    }

    @Test func aFIFOInAFilesPlaceIsRefusedWithoutHanging() throws {
        let fixture = try Fixture([FixtureFile("a", 10)], pieceLength: 16, writeFiles: false)
        defer { fixture.remove() }
        try FileManager.default.createDirectory(atPath: fixture.path(""), withIntermediateDirectories: true)
        #expect(mkfifo(fixture.path("a"), 0o644) == 0)

        let storage = try FileStorage(root: fixture.root, layout: fixture.info.layout, mode: .readOnly)
        #expect(throws: StorageError.notAFileOrFolder(path: fixture.path("a"))) { try storage.readPiece(0) }
    }

    @Test(.enabled(if: kernelHasOpenat2())) func openat2IsUsedWhereTheKernelHasIt() throws {
        #expect(Posix.hasOpenBeneath, "the open_how layout and syscall number are right for this kernel")
        let scene = try LinkScene(.innerFolder)
        defer { scene.remove() }
        let root = try Posix.open(FilePath(scene.downloads), flags: O_DIRECTORY | O_CLOEXEC)
        defer { Posix.close(root) }
        #expect(throws: Errno.tooManySymbolicLinkLevels) {
            _ = try Posix.openBeneath(FilePath("t/sub/b"), in: root, flags: O_RDONLY | O_CLOEXEC)
        }
        let file = try Posix.openBeneath(FilePath("t/a"), in: root, flags: O_RDONLY | O_CLOEXEC)
        Posix.close(file)
    }
}

// MARK: - Helpers

/// The error `body` throws, or nil.
private func failure(_ body: () throws(StorageError) -> Void) -> StorageError? {
    do { try body() } catch { return error }
    return nil
}

/// What resume data would record for file `index` of the scene if links were followed.
private func followedState(_ scene: LinkScene, file index: Int) -> ResumeData.FileState {
    let path = scene.downloads + "/" + scene.info.files[index].path.joined(separator: "/")
    guard let status = fileStatus(path) else { return .init(index: index, size: nil) }
    return .init(index: index, size: Int64(status.st_size), modifiedSeconds: Int64(status.st_mtim.tv_sec),
                 modifiedNanoseconds: Int64(status.st_mtim.tv_nsec))
}

/// One entry of a folder tree: its kind, bytes and modification time.
private struct TreeEntry: Equatable {
    var isFolder: Bool
    var bytes: [UInt8]
    var modified: [Int]
}

/// Everything below `path` (no links are expected there), to show that nothing changed.
private func tree(_ path: String) throws -> [String: TreeEntry] {
    var entries: [String: TreeEntry] = [:]
    for name in try FileManager.default.subpathsOfDirectory(atPath: path) {
        let full = path + "/" + name
        var info = stat()
        guard lstat(full, &info) == 0 else { continue }
        let folder = info.st_mode & S_IFMT == S_IFDIR
        entries[name] = TreeEntry(isFolder: folder, bytes: folder ? [] : try contents(full),
                                  modified: folder ? [] : [Int(info.st_mtim.tv_sec), Int(info.st_mtim.tv_nsec)])
    }
    return entries
}

private func isSymbolicLink(_ path: String) -> Bool {
    var info = stat()
    return lstat(path, &info) == 0 && info.st_mode & S_IFMT == S_IFLNK
}

/// Linux 5.6 or later, where `openat2` exists.
private func kernelHasOpenat2() -> Bool {
    var name = utsname()
    guard uname(&name) == 0 else { return false }
    let release = withUnsafeBytes(of: name.release) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
    let numbers = release.split(whereSeparator: { !$0.isNumber }).prefix(2).compactMap { Int($0) }
    guard numbers.count == 2 else { return false }
    return (numbers[0], numbers[1]) >= (5, 6)
}
