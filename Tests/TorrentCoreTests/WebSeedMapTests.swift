import Testing
import TorrentCore

@Suite struct WebSeedMapTests {
    /// Files of 10, 0, 25 (with a space and a non-ASCII name), pad 7 and 5 bytes; 16-byte pieces.
    let multi = FileLayout(files: [
        TorrentFile(path: ["set", "a.bin"], length: 10, offset: 0),
        TorrentFile(path: ["set", "empty"], length: 0, offset: 10),
        TorrentFile(path: ["set", "sub dir", "b é.bin"], length: 25, offset: 10),
        TorrentFile(path: ["set", ".pad", "7"], length: 7, offset: 35, isPadding: true),
        TorrentFile(path: ["set", "c"], length: 5, offset: 42),
    ], pieceLength: 16)

    @Test func mapsAPieceOfAMultiFileTorrentOntoTheFilesUnderTheFolderURL() {
        let map = WebSeedMap(url: "http://127.0.0.1:8080/mirror", layout: multi, isMultiFile: true)
        #expect(map.segments(piece: 0, offset: 0, length: 16) == [
            .file(url: "http://127.0.0.1:8080/mirror/set/a.bin", range: 0..<10),
            .file(url: "http://127.0.0.1:8080/mirror/set/sub%20dir/b%20%C3%A9.bin", range: 0..<6),
        ])
        // Piece 2 runs from the end of b through the padding into c.
        #expect(map.segments(piece: 2, offset: 0, length: 15) == [
            .file(url: "http://127.0.0.1:8080/mirror/set/sub%20dir/b%20%C3%A9.bin", range: 22..<25),
            .zeros(7),
            .file(url: "http://127.0.0.1:8080/mirror/set/c", range: 0..<5),
        ])
        #expect(map.segments(piece: 1, offset: 4, length: 8) == [
            .file(url: "http://127.0.0.1:8080/mirror/set/sub%20dir/b%20%C3%A9.bin", range: 10..<18),
        ])
    }

    @Test func segmentLengthsAddUpToTheRangeAskedFor() {
        let map = WebSeedMap(url: "http://h/", layout: multi, isMultiFile: true)
        for start in 0..<multi.totalLength {
            for length in 0...(multi.totalLength - start) {
                let segments = map.segments(streamOffset: start, length: length)
                #expect(segments.reduce(0) { $0 + $1.length } == length)
                #expect(!segments.contains { $0.length == 0 })
            }
        }
    }

    @Test func aFolderURLWithATrailingSlashGetsNoSecondSlash() {
        let map = WebSeedMap(url: "http://h/files/", layout: multi, isMultiFile: true)
        #expect(map.url(ofFile: 0) == "http://h/files/set/a.bin")
        #expect(map.url(ofFile: 3) == nil)
    }

    @Test func aSingleFileURLIsTheFileUnlessItEndsWithASlash() {
        let single = FileLayout(files: [TorrentFile(path: ["disk #1.iso"], length: 40, offset: 0)], pieceLength: 16)
        let direct = WebSeedMap(url: "https://mirror/isos/latest.iso", layout: single, isMultiFile: false)
        #expect(direct.segments(piece: 2, offset: 0, length: 8) == [
            .file(url: "https://mirror/isos/latest.iso", range: 32..<40),
        ])
        let folder = WebSeedMap(url: "https://mirror/isos/", layout: single, isMultiFile: false)
        #expect(folder.url(ofFile: 0) == "https://mirror/isos/disk%20%231.iso")
    }

    @Test func aParsedTorrentMapsThroughItsInfo() throws {
        var builder = MetainfoBuilder(name: "set", pieceLength: 16384,
                                      files: [.init(path: ["x"], length: 20000), .init(path: ["y"], length: 100)])
        builder.webSeeds = ["http://127.0.0.1/ws"]
        let metainfo = try Metainfo(bytes: builder.torrentBytes(pieceHashes: [UInt8](repeating: 0, count: 40)))
        let map = WebSeedMap(url: metainfo.webSeeds[0], info: metainfo.info)
        #expect(map.segments(piece: 1, offset: 0, length: 20100 - 16384) == [
            .file(url: "http://127.0.0.1/ws/set/x", range: 16384..<20000),
            .file(url: "http://127.0.0.1/ws/set/y", range: 0..<100),
        ])
    }
}
