import Foundation
import Storage
import TestSupport
import Testing
import TorrentCore

@Suite struct TorrentCreatorTests {
    @Test func makesAMultiFileTorrentThatVerifiesAgainstTheFolder() throws {
        let folder = try TemporaryDirectory("rill-create")
        defer { folder.remove() }
        let a = pseudoRandomBytes(count: 70_000, seed: 1)
        let b = pseudoRandomBytes(count: 33_333, seed: 2)
        try folder.write("share/docs/a.bin", a)
        try folder.write("share/b.txt", b)
        try folder.write("share/empty", [])
        let files = FileManager.default
        try files.createDirectory(atPath: folder.file("share/nothing-here"), withIntermediateDirectories: true)
        try files.createSymbolicLink(atPath: folder.file("share/loop"), withDestinationPath: folder.file("share"))
        try files.createSymbolicLink(atPath: folder.file("share/link-to-b"), withDestinationPath: "b.txt")
        try files.createSymbolicLink(atPath: folder.file("share/dangling"), withDestinationPath: "gone")

        let options = TorrentCreator.Options(pieceLength: 16384, trackerTiers: [["http://t1/announce"], ["udp://t2:80"]],
                                             webSeeds: ["http://seed/"], isPrivate: true, comment: "hello", threads: 2)
        let bytes = try TorrentCreator.create(from: folder.file("share"), options: options)
        let metainfo = try Metainfo(bytes: bytes)

        #expect(metainfo.name == "share")
        #expect(metainfo.info.isMultiFile && metainfo.info.isPrivate)
        #expect(metainfo.info.files.map(\.displayPath)
            == ["share/b.txt", "share/docs/a.bin", "share/empty", "share/link-to-b"])
        #expect(metainfo.info.files.map(\.length) == [33_333, 70_000, 0, 33_333])
        #expect(metainfo.info.pieceLength == 16384)
        #expect(metainfo.trackerTiers == [["http://t1/announce"], ["udp://t2:80"]])
        #expect(metainfo.webSeeds == ["http://seed/"])
        #expect(metainfo.comment == "hello")
        #expect(metainfo.creationDate == nil)
        #expect(metainfo.info.pieceHashes == referenceHashes(b + a + b, pieceLength: 16384))

        // The link to a file is shared by its contents, but seeding in place refuses it: a link
        // beneath the download folder is never followed there.
        let storage = try FileStorage(root: folder.path, layout: metainfo.info.layout, mode: .readOnly)
        #expect(throws: StorageError.symlinkRefused(path: folder.file("share/link-to-b"))) {
            try PieceHasher.verify(info: metainfo.info, storage: storage)
        }
        try files.removeItem(atPath: folder.file("share/link-to-b"))
        try files.copyItem(atPath: folder.file("share/b.txt"), toPath: folder.file("share/link-to-b"))
        #expect(try PieceHasher.verify(info: metainfo.info, storage: storage).isComplete)
    }

    @Test(arguments: [MetaVersion.v2, .hybrid])
    func makesV2AndHybridTorrentsWhoseEveryPieceVerifies(version: MetaVersion) throws {
        let folder = try TemporaryDirectory("rill-create-v2")
        defer { folder.remove() }
        try folder.write("share/a/big.bin", pseudoRandomBytes(count: 100_001, seed: 3))
        try folder.write("share/a/small.bin", pseudoRandomBytes(count: 16_385, seed: 4))
        try folder.write("share/b.txt", pseudoRandomBytes(count: 7, seed: 5))
        try folder.write("share/empty", [])
        var options = TorrentCreator.Options(pieceLength: 32768, threads: 2)
        options.version = version
        let metainfo = try Metainfo(bytes: try TorrentCreator.create(from: folder.file("share"), options: options))
        let info = metainfo.info
        #expect(info.version == version)
        #expect(info.files.filter { !$0.isPadding }.map(\.displayPath)
            == ["share/a/big.bin", "share/a/small.bin", "share/b.txt", "share/empty"])
        // Every file with data starts on a piece boundary, and the big one has its piece layer.
        #expect(info.files.filter { !$0.isPadding && $0.length > 0 }.allSatisfy { $0.offset % 32768 == 0 })
        #expect(info.v2?.pieceLayers.count == 1 && info.hasAllPieceHashes)
        #expect(info.pieceHashes.isEmpty == (version == .v2))

        let storage = try FileStorage(root: folder.path, layout: info.layout, mode: .readOnly)
        #expect(try PieceHasher.verify(info: info, storage: storage).isComplete)
        // A changed byte fails the piece it is in, and only that one.
        var changed = pseudoRandomBytes(count: 100_001, seed: 3)
        changed[40_000] ^= 1
        try folder.write("share/a/big.bin", changed)
        let verified = try PieceHasher.verify(info: info, storage: storage)
        #expect(verified.setCount == info.pieceCount - 1 && !verified[1])
    }

    @Test func refusesAV2PieceLengthThatIsNotAPowerOfTwo() throws {
        let folder = try TemporaryDirectory("rill-create-v2")
        defer { folder.remove() }
        try folder.write("one.bin", [1, 2, 3])
        var options = TorrentCreator.Options(pieceLength: 3 * 16384)
        options.version = .v2
        #expect(throws: StorageError.invalidPieceLength(3 * 16384)) {
            try TorrentCreator.create(from: folder.file("one.bin"), options: options)
        }
    }

    @Test func ordersFilesBytewiseByPathComponents() throws {
        let folder = try TemporaryDirectory("rill-create")
        defer { folder.remove() }
        for name in ["a.txt", "a-c", "a/b", "B", "a/a/z"] { try folder.write("s/" + name, [1]) }

        let metainfo = try Metainfo(bytes: TorrentCreator.create(from: folder.file("s")))

        #expect(metainfo.info.files.map(\.displayPath) == ["s/B", "s/a/a/z", "s/a/b", "s/a-c", "s/a.txt"])
    }

    @Test func sameDataGivesTheSameTorrentWhateverTheThreadCount() throws {
        let folder = try TemporaryDirectory("rill-create")
        defer { folder.remove() }
        try folder.write("s/x", pseudoRandomBytes(count: 200_000, seed: 4))
        try folder.write("s/y/z", pseudoRandomBytes(count: 5, seed: 5))

        let one = try TorrentCreator.create(from: folder.file("s"), options: .init(threads: 1))
        let three = try TorrentCreator.create(from: folder.file("s") + "/", options: .init(threads: 3))
        #expect(one == three)
        #expect(try Metainfo(bytes: one).info.pieceLength == MetainfoBuilder.automaticPieceLength(forTotalLength: 200_005))
    }

    @Test func makesASingleFileTorrent() throws {
        let folder = try TemporaryDirectory("rill-create")
        defer { folder.remove() }
        let data = pseudoRandomBytes(count: 40_000, seed: 6)
        let path = try folder.write("movie.mkv", data)

        let metainfo = try Metainfo(bytes: TorrentCreator.create(from: path, options: .init(pieceLength: 16384,
                                                                                          creationDate: 1_700_000_000)))

        #expect(metainfo.name == "movie.mkv")
        #expect(!metainfo.info.isMultiFile)
        #expect(metainfo.info.files.map(\.path) == [["movie.mkv"]])
        #expect(metainfo.info.totalLength == 40_000)
        #expect(metainfo.creationDate == 1_700_000_000)
        #expect(metainfo.info.pieceHashes == referenceHashes(data, pieceLength: 16384))
    }

    @Test func refusesAFolderWithNoData() throws {
        let folder = try TemporaryDirectory("rill-create")
        defer { folder.remove() }
        try FileManager.default.createDirectory(atPath: folder.file("empty/sub"), withIntermediateDirectories: true)
        try folder.write("zeros/a", [])

        let error = try #require(throws: StorageError.self) { try TorrentCreator.create(from: folder.file("empty")) }
        #expect(error == .nothingToShare(path: folder.file("empty")))
        #expect(error.description.contains("holds no data to share"))
        #expect(throws: StorageError.nothingToShare(path: folder.file("zeros"))) {
            try TorrentCreator.create(from: folder.file("zeros"))
        }
        #expect(throws: StorageError.fileMissing(path: folder.file("absent"))) {
            try TorrentCreator.create(from: folder.file("absent"))
        }
        try folder.write("one", [1])
        #expect(throws: StorageError.invalidPieceLength(0)) {
            try TorrentCreator.create(from: folder.file("one"), options: .init(pieceLength: 0))
        }
    }
}
