import Testing
import Bencode
import TorrentCore

/// Builds torrent bytes from an info dictionary and optional outer fields.
private func torrent(info: [String: BencodeValue], outer: [String: BencodeValue] = [:]) -> [UInt8] {
    var root = outer
    root["info"] = .dict(info)
    return BencodeValue.dict(root).encoded()
}

private func hashes(_ count: Int) -> BencodeValue { .bytes([UInt8](repeating: 0xAB, count: count * 20)) }

private func multiFileInfo(_ files: [([String], Int64)], pieceLength: Int64 = 16384, extra: [String: BencodeValue] = [:]) -> [String: BencodeValue] {
    let total = files.reduce(0) { $0 + $1.1 }
    var info: [String: BencodeValue] = [
        "name": .string("album"),
        "piece length": .integer(pieceLength),
        "pieces": hashes(Int((total + pieceLength - 1) / pieceLength)),
        "files": .list(files.map { .dict(["path": .list($0.0.map { .string($0) }), "length": .integer($0.1)]) }),
    ]
    for (key, value) in extra { info[key] = value }
    return info
}

/// The error parsing `bytes` as a torrent gives, or nil when it parses.
func parseError(_ bytes: [UInt8]) -> MetainfoError? {
    do {
        _ = try Metainfo(bytes: bytes)
        return nil
    } catch {
        return error
    }
}

@Suite struct MetainfoTests {
    @Test func parsesASingleFileTorrentWithAllOuterFields() throws {
        let bytes = torrent(
            info: ["name": .string("movie.mkv"), "piece length": .integer(32768), "length": .integer(100_000),
                   "pieces": hashes(4), "private": .integer(1)],
            outer: ["announce": .string("http://t/announce"), "comment": .string("hello"),
                    "created by": .string("mktorrent 1.1"), "creation date": .integer(1_700_000_000),
                    "url-list": .string("http://seed/")])
        let meta = try Metainfo(bytes: bytes)
        #expect(meta.name == "movie.mkv")
        #expect(meta.info.isMultiFile == false)
        #expect(meta.info.totalLength == 100_000)
        #expect(meta.info.pieceCount == 4)
        #expect(meta.info.layout.size(ofPiece: 3) == 100_000 - 3 * 32768)
        #expect(meta.info.isPrivate)
        #expect(meta.trackerTiers == [["http://t/announce"]])
        #expect(meta.webSeeds == ["http://seed/"])
        #expect(meta.comment == "hello")
        #expect(meta.createdBy == "mktorrent 1.1")
        #expect(meta.creationDate == 1_700_000_000)
        #expect(meta.info.files.map(\.path) == [["movie.mkv"]])
        #expect(meta.warnings.isEmpty)
    }

    @Test func infoHashIsTheSHA1OfTheOriginalInfoBytes() throws {
        // Keys out of order inside info: a re-encode would sort them and change the hash.
        let rawInfo = Array("d6:lengthi5e4:name1:x12:piece lengthi16384e6:pieces20:AAAAAAAAAAAAAAAAAAAA1:zi0ee".utf8)
        let swapped = Array("d4:name1:x6:lengthi5e12:piece lengthi16384e6:pieces20:AAAAAAAAAAAAAAAAAAAAe".utf8)
        let file = Array("d4:info".utf8) + rawInfo + Array("e".utf8)
        let meta = try Metainfo(bytes: file)
        #expect(meta.infoHash == InfoHash(hashingInfo: rawInfo))
        #expect(meta.info.rawInfo == rawInfo)
        #expect(meta.infoHash != InfoHash(hashingInfo: swapped))
        #expect(meta.infoHash.hex.count == 40)
    }

    @Test func knownInfoHashOfAFixedTorrent() throws {
        // SHA-1 of "d6:lengthi1e4:name1:a12:piece lengthi16384e6:pieces20:<20 x 0x00>e" computed with python hashlib.
        let info = Array("d6:lengthi1e4:name1:a12:piece lengthi16384e6:pieces20:".utf8) + [UInt8](repeating: 0, count: 20) + Array("e".utf8)
        let meta = try Metainfo(bytes: Array("d4:info".utf8) + info + Array("e".utf8))
        #expect(meta.infoHash.hex == "161198fb49b44a081ed02da0b8f4f036e5cab471")
    }

    @Test func parsesMultiFileTorrentsWithNestedFoldersAndZeroLengthFiles() throws {
        let meta = try Metainfo(bytes: torrent(info: multiFileInfo([
            (["cd1", "track1.flac"], 20000), (["empty.txt"], 0), (["cd2", "deep", "track2.flac"], 30000),
        ])))
        #expect(meta.info.isMultiFile)
        #expect(meta.info.files.map(\.displayPath) == ["album/cd1/track1.flac", "album/empty.txt", "album/cd2/deep/track2.flac"])
        #expect(meta.info.files.map(\.offset) == [0, 20000, 20000])
        #expect(meta.info.totalLength == 50000)
        #expect(meta.info.pieceCount == 4)
    }

    @Test func readsAnnounceListTiersAndPrefersThemOverAnnounce() throws {
        let meta = try Metainfo(bytes: torrent(
            info: ["name": .string("a"), "piece length": .integer(16384), "length": .integer(1), "pieces": hashes(1)],
            outer: ["announce": .string("http://ignored"),
                    "announce-list": .list([.list([.string("http://a1"), .string("udp://a2:80")]), .list([]),
                                            .list([.string("http://b1")])])]))
        #expect(meta.trackerTiers == [["http://a1", "udp://a2:80"], ["http://b1"]])
    }

    @Test func recognisesPaddingFiles() throws {
        var info = multiFileInfo([(["a.bin"], 10000), ([".pad", "6384"], 6384), (["b.bin"], 5000)])
        info["files"] = .list([
            .dict(["path": .list([.string("a.bin")]), "length": .integer(10000)]),
            .dict(["path": .list([.string(".pad"), .string("6384")]), "length": .integer(6384), "attr": .string("p")]),
            .dict(["path": .list([.string("b.bin")]), "length": .integer(5000), "attr": .string("x")]),
        ])
        let files = try Metainfo(bytes: torrent(info: info)).info.files
        #expect(files.map(\.isPadding) == [false, true, false])
        #expect(files[2].offset == 16384)
        #expect(files[2].isExecutable)
    }

    @Test func acceptsOddPieceLengthsWithAWarning() throws {
        let meta = try Metainfo(bytes: torrent(info: ["name": .string("a"), "piece length": .integer(20000),
                                                      "length": .integer(50000), "pieces": hashes(3)]))
        #expect(meta.warnings == ["the piece length 20000 is not a power of two"])
        #expect(meta.info.pieceCount == 3)
    }

    @Test func refusesPathsThatLeaveTheDownloadFolder() {
        let cases: [([String], String)] = [
            (["..", "etc", "passwd"], "it has a '..' component"),
            (["ok", "..", "..", "x"], "it has a '..' component"),
            (["", "etc", "passwd"], "it has an empty component"),
            (["a", ".", "b"], "it has a '.' component"),
            (["a/../../b"], "a component contains '/'"),
            (["nul\u{0}name"], "it contains a NUL character"),
            ([], "it is empty"),
        ]
        for (path, reason) in cases {
            let error = parseError(torrent(info: multiFileInfo([(path, 10)])))
            guard case .unsafePath(_, let actual) = error else {
                Issue.record("expected unsafePath for \(path), got \(String(describing: error))")
                continue
            }
            #expect(actual == reason)
        }
        for name in ["..", "/etc/passwd", "", "."] {
            let error = parseError(torrent(info: ["name": .string(name), "piece length": .integer(16384),
                                                  "length": .integer(1), "pieces": hashes(1)]))
            guard case .unsafePath = error else {
                Issue.record("expected unsafePath for name \(name), got \(String(describing: error))")
                continue
            }
        }
    }

    @Test func refusesDuplicateAndClashingPaths() {
        #expect(parseError(torrent(info: multiFileInfo([(["a"], 1), (["a"], 1)]))) == .duplicatePath("album/a"))
        #expect(parseError(torrent(info: multiFileInfo([(["a"], 1), (["a", "b"], 1)]))) == .duplicatePath("album/a"))
        #expect(parseError(torrent(info: multiFileInfo([(["a", "b"], 1), (["a"], 1)]))) == .duplicatePath("album/a"))
        #expect(parseError(torrent(info: multiFileInfo([(["a", "b", "c"], 1), (["a", "b"], 1)]))) == .duplicatePath("album/a/b"))
        #expect(parseError(torrent(info: multiFileInfo([(["a", "b"], 1), (["a", "b", "c", "d"], 1)])))
            == .duplicatePath("album/a/b"))
        #expect(parseError(torrent(info: multiFileInfo([(["a", "b"], 1), (["a", "c"], 1), (["c", "b"], 1)]))) == nil)
    }

    @Test func checksDeepPathsForClashesInLinearTime() throws {
        // Found with the `metainfo` fuzz target (Fuzz/Corpus/metainfo/finding-deep-path): one file
        // 20,000 folders deep, a 60 KB torrent, took gigabytes while every folder prefix was kept whole.
        let deep = Array(repeating: "d", count: 20_000)
        let meta = try Metainfo(bytes: torrent(info: multiFileInfo([(deep + ["f"], 1), (deep + ["g"], 1)])))
        #expect(meta.info.files.map(\.path.count) == [20_002, 20_002])
        #expect(parseError(torrent(info: multiFileInfo([(deep, 1), (deep + ["f"], 1)])))
            == .duplicatePath((["album"] + deep).joined(separator: "/")))
    }

    @Test func validatesPiecesAgainstTheTotalLength() {
        var info: [String: BencodeValue] = ["name": .string("a"), "piece length": .integer(16384),
                                            "length": .integer(40000), "pieces": hashes(2)]
        #expect(parseError(torrent(info: info)) == .pieceCountMismatch(expected: 3, actual: 2))
        info["pieces"] = .bytes([1, 2, 3])
        #expect(parseError(torrent(info: info)) == .invalidPiecesLength(3))
        info["pieces"] = hashes(3)
        info["piece length"] = .integer(0)
        #expect(parseError(torrent(info: info)) == .invalidPieceLength(0))
        info["piece length"] = .integer(-16384)
        #expect(parseError(torrent(info: info)) == .invalidPieceLength(-16384))
    }

    @Test func reportsMissingAndMistypedFields() {
        #expect(parseError(Array("garbage".utf8)) == .notBencode("invalid bencode at byte 0: found 'g', expected 'i', 'l', 'd' or a digit"))
        #expect(parseError(Array("li1ee".utf8)) == .notADictionary)
        #expect(parseError(Array("d8:announce1:xe".utf8)) == .missingField("info"))
        #expect(parseError(torrent(info: ["name": .string("a"), "piece length": .integer(16384), "pieces": hashes(1)]))
            == .missingField("length or files"))
        #expect(parseError(torrent(info: ["name": .string("a"), "piece length": .string("big"),
                                          "length": .integer(1), "pieces": hashes(1)]))
            == .wrongType(field: "piece length", expected: "an integer"))
        #expect(parseError(torrent(info: ["name": .string("a"), "piece length": .integer(16384),
                                          "length": .integer(-1), "pieces": hashes(1)]))
            == .invalidFileLength(path: "a", length: -1))
    }

    @Test func refusesAnEmptyV2FileTree() {
        let error = parseError(torrent(info: ["name": .string("a"), "meta version": .integer(2),
                                              "file tree": .dict([:]), "piece length": .integer(16384)]))
        #expect(error == .emptyTorrent)
    }

    @Test func readsBothHalvesOfHybridTorrents() throws {
        var info = multiFileInfo([(["a.bin"], 100)])
        info["meta version"] = .integer(2)
        info["file tree"] = .dict(["a.bin": .dict(["": .dict(["length": .integer(100),
                                                               "pieces root": .bytes(.init(repeating: 7, count: 32))])])])
        let meta = try Metainfo(bytes: torrent(info: info))
        #expect(meta.info.isHybrid)
        #expect(meta.info.totalLength == 100)
        #expect(meta.info.files.map(\.path) == [["album", "a.bin"]])
        #expect(meta.info.v2?.fileRoots == [[UInt8](repeating: 7, count: 32)])
    }

    @Test func errorsReadAsSentences() {
        #expect(MetainfoError.unsafePath("x/../y", reason: "it has a '..' component").description
            == "the file path 'x/../y' is unsafe: it has a '..' component")
    }

    @Test func neverCrashesOnMutatedTorrents() throws {
        let original = torrent(info: multiFileInfo([(["a"], 30000), (["b", "c"], 1), (["d"], 0)]),
                               outer: ["announce": .string("http://x")])
        var state: UInt64 = 99
        for _ in 0..<3000 {
            var bytes = original
            for _ in 0..<3 {
                state = state &* 6_364_136_223_846_793_005 &+ 1
                let index = Int((state >> 33) % UInt64(bytes.count))
                bytes[index] = UInt8(truncatingIfNeeded: state >> 13)
            }
            _ = try? Metainfo(bytes: bytes)
        }
    }

    @Test func aBuiltTorrentParsesBackWithTheSameFields() throws {
        var builder = MetainfoBuilder(name: "set", pieceLength: 16384,
                                      files: [.init(path: ["x", "1.bin"], length: 20000), .init(path: ["2.bin"], length: 0)])
        builder.trackerTiers = [["http://a"], ["udp://b:1", "udp://c:2"]]
        builder.webSeeds = ["http://w1", "http://w2"]
        builder.isPrivate = true
        builder.comment = "c"
        builder.creationDate = 1234
        let meta = try Metainfo(bytes: builder.torrentBytes(pieceHashes: [UInt8](repeating: 1, count: 40)))
        #expect(meta.info.files.map(\.displayPath) == ["set/x/1.bin", "set/2.bin"])
        #expect(meta.trackerTiers == [["http://a"], ["udp://b:1", "udp://c:2"]])
        #expect(meta.webSeeds == ["http://w1", "http://w2"])
        #expect(meta.info.isPrivate && meta.comment == "c" && meta.creationDate == 1234 && meta.createdBy == "rill")
    }

    @Test func automaticPieceLengthAimsForOneToTwoThousandPieces() {
        for total in [50 << 20, 700 << 20, 4 << 30, 30_000_001_234] {
            let length = MetainfoBuilder.automaticPieceLength(forTotalLength: total)
            let count = (total + length - 1) / length
            #expect(length & (length - 1) == 0)
            #expect((1000...2000).contains(count), "total \(total) gave \(count) pieces of \(length)")
        }
        #expect(MetainfoBuilder.automaticPieceLength(forTotalLength: 1000) == 16384)
        #expect(MetainfoBuilder.automaticPieceLength(forTotalLength: 1 << 50) == 16 << 20)
    }
}

@Suite struct MetainfoEncodingTests {
    @Test func writtenTorrentKeepsTheInfoHashTrackersAndWebSeeds() throws {
        var builder = MetainfoBuilder(name: "kept", pieceLength: 16384, files: [.init(path: ["x.bin"], length: 20000)])
        builder.trackerTiers = [["http://127.0.0.1:1/announce", "udp://127.0.0.1:2"], ["http://127.0.0.1:3/announce"]]
        builder.webSeeds = ["http://127.0.0.1:4/files/"]
        builder.comment = "a comment"
        let original = try Metainfo(bytes: builder.torrentBytes(pieceHashes: [UInt8](repeating: 7, count: 40)))
        let again = try Metainfo(bytes: original.torrentBytes())
        #expect(again.infoHash == original.infoHash)
        #expect(again.trackerTiers == original.trackerTiers)
        #expect(again.webSeeds == original.webSeeds)
        #expect(again.comment == "a comment")
    }
}
