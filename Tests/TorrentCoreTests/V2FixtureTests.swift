import Foundation
import Testing
import Bencode
import TorrentCore

/// The fixture files' bytes, as `Fixtures/make_v2_fixtures.py` wrote them before libtorrent hashed them.
private let fixtureFiles: [(path: String, size: Int)] = [
    ("a/one-byte", 1), ("a/just-under", 16383), ("b/exact-block", 16384), ("b/just-over", 16385),
    ("c/empty", 0), ("c/three-pieces", 100000), ("d/big", 300001),
]

private func content(ofFixtureFile path: String) -> [UInt8] {
    let k = fixtureFiles.firstIndex { "oddsizes/" + $0.path == path }!
    return (0..<fixtureFiles[k].size).map { j in UInt8((j * 7 + k * 13 + j / 251) % 256) }
}

private func fixture(_ name: String) throws -> [UInt8] {
    let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/\(name)")
    return Array(try Data(contentsOf: url))
}

/// The whole byte stream of `info`: each file's bytes at its offset, padding as zeros.
private func stream(of info: TorrentInfo) -> [UInt8] {
    var bytes = [UInt8](repeating: 0, count: info.totalLength)
    for file in info.files where !file.isPadding && file.length > 0 {
        bytes.replaceSubrange(file.range, with: content(ofFixtureFile: file.displayPath))
    }
    return bytes
}

private func piece(_ index: Int, of bytes: [UInt8], _ info: TorrentInfo) -> [UInt8] {
    let start = index * info.pieceLength
    return Array(bytes[start..<start + info.layout.size(ofPiece: index)])
}

/// Re-encodes a fixture with its `info` dictionary changed by `change`.
private func mutated(_ name: String, _ change: (inout [[UInt8]: BencodeValue]) -> Void) throws -> [UInt8] {
    let root = try BencodeDecoder().decode(try fixture(name))
    var top = root.dictionary!
    var info = top[Array("info".utf8)]!.dictionary!
    change(&info)
    top[Array("info".utf8)] = .dictionary(info)
    return BencodeValue.dictionary(top).encoded()
}

private let root7 = BencodeValue.bytes([UInt8](repeating: 7, count: 32))

private func v2Info(tree: BencodeValue, pieceLength: Int64 = 16384) -> [UInt8] {
    BencodeValue.dict(["info": .dict(["name": .string("t"), "meta version": .integer(2),
                                      "piece length": .integer(pieceLength), "file tree": tree])]).encoded()
}

private func leaf(_ length: Int64, root: BencodeValue? = root7) -> BencodeValue {
    var entry: [String: BencodeValue] = ["length": .integer(length)]
    if let root { entry["pieces root"] = root }
    return .dict(["": .dict(entry)])
}

@Suite struct V2FixtureTests {
    @Test func readsAV2OnlyTorrentMadeByLibtorrent() throws {
        let meta = try Metainfo(bytes: try fixture("oddsizes-v2.torrent"))
        let info = meta.info
        #expect(info.version == .v2)
        #expect(info.infoHashV2?.hex == "990304a80fe0e5870081e8dadce066e02c5d7762f0b3e239af71bfc8c6fa4646")
        #expect(info.infoHash == info.infoHashV2?.truncated)
        #expect(info.pieceCount == 18)
        #expect(info.pieceHashes.isEmpty)
        #expect(info.hasAllPieceHashes)
        let data = info.files.filter { !$0.isPadding }
        #expect(data.map(\.displayPath) == ["oddsizes/a/just-under", "oddsizes/a/one-byte", "oddsizes/b/exact-block",
                                            "oddsizes/b/just-over", "oddsizes/c/empty", "oddsizes/c/three-pieces",
                                            "oddsizes/d/big"])
        // Every file starts on a piece boundary.
        #expect(data.allSatisfy { $0.offset % info.pieceLength == 0 })
        #expect(meta.magnetLink.description.hasPrefix("magnet:?xt=urn:btmh:1220990304a8"))
    }

    @Test func merkleRootsOfOddSizedFilesMatchLibtorrents() throws {
        let info = try Metainfo(bytes: try fixture("oddsizes-v2.torrent")).info
        let v2 = try #require(info.v2)
        for (index, file) in info.files.enumerated() where !file.isPadding && file.length > 0 {
            let bytes = content(ofFixtureFile: file.displayPath)
            let root: [UInt8]
            if file.length <= info.pieceLength {
                let width = MerkleTree.nextPowerOfTwo((file.length + 16383) / 16384)
                root = bytes.withUnsafeBytes { MerkleTree.root(ofData: $0, width: width) }
            } else {
                var layer: [UInt8] = []
                for start in stride(from: 0, to: file.length, by: info.pieceLength) {
                    let slice = Array(bytes[start..<min(file.length, start + info.pieceLength)])
                    layer += slice.withUnsafeBytes { MerkleTree.root(ofData: $0, width: info.pieceLength / 16384) }
                }
                #expect(v2.pieceLayers[v2.fileRoots[index]!] == layer, "\(file.displayPath)")
                root = MerkleTree.piecesRoot(pieceLayer: layer, pieceLength: info.pieceLength)
            }
            #expect(v2.fileRoots[index] == root, "\(file.displayPath)")
        }
    }

    @Test func everyPieceOfBothFixturesVerifiesAndACorruptOneDoesNot() throws {
        for name in ["oddsizes-v2.torrent", "oddsizes-hybrid.torrent"] {
            let info = try Metainfo(bytes: try fixture(name)).info
            let bytes = stream(of: info)
            for index in 0..<info.pieceCount {
                var data = piece(index, of: bytes, info)
                #expect(data.withUnsafeBytes { info.pieceMatches(index, data: $0) }, "\(name) piece \(index)")
                let place = info.v2!.position(ofPiece: index)
                data[place.dataLength - 1] ^= 1
                #expect(!data.withUnsafeBytes { info.pieceMatches(index, data: $0) }, "\(name) piece \(index)")
            }
        }
    }

    @Test func locatesABadBlockWithinAPiece() throws {
        let info = try Metainfo(bytes: try fixture("oddsizes-v2.torrent")).info
        let v2 = try #require(info.v2)
        let bytes = stream(of: info)
        // A piece of d/big: two 16 KiB blocks; spoil the second.
        let big = try #require(info.files.firstIndex { $0.displayPath == "oddsizes/d/big" })
        let index = info.layout.pieces(ofFile: big).lowerBound + 3
        let good = piece(index, of: bytes, info)
        let leaves = MerkleTree.leafHashes(of: good)
        var bad = good
        bad[16384 + 100] ^= 0xFF
        #expect(bad.withUnsafeBytes { v2.badBlocks(piece: index, data: $0, leaves: leaves) } == [1])
        #expect(good.withUnsafeBytes { v2.badBlocks(piece: index, data: $0, leaves: leaves) } == [])
        // Leaves that do not hash to the piece's hash are a lie, not evidence.
        var lying = leaves
        lying[0] ^= 1
        #expect(bad.withUnsafeBytes { v2.badBlocks(piece: index, data: $0, leaves: lying) } == nil)
    }

    @Test func readsAHybridTorrentMadeByLibtorrent() throws {
        let meta = try Metainfo(bytes: try fixture("oddsizes-hybrid.torrent"))
        #expect(meta.info.version == .hybrid)
        #expect(meta.infoHash.hex == "06d3e46dbb6d4b3ae18700417b18cbd9257fca10")
        #expect(meta.info.infoHashV2?.hex == "048d2ca394843aa7d8b9d80f80431bade242986f5f7643601b3a49038b621b46")
        let link = meta.magnetLink.description
        #expect(link.contains("xt=urn:btih:06d3e46d") && link.contains("xt=urn:btmh:1220048d2ca3"))
        let parsed = try MagnetLink(parsing: link)
        #expect(parsed.infoHash == meta.infoHash && parsed.infoHashV2 == meta.info.infoHashV2 && !parsed.isV2Only)
    }

    @Test func refusesAHybridWhoseHalvesDisagree() throws {
        let renamed = try mutated("oddsizes-hybrid.torrent") { info in
            var files = info[Array("files".utf8)]!.list!
            files[2] = .dict(["length": .integer(1), "path": .list([.string("a"), .string("renamed")])])
            info[Array("files".utf8)] = .list(files)
        }
        guard case .hybridMismatch = parseError(renamed) else {
            Issue.record("a renamed v1 file was accepted")
            return
        }
        // Same total and pieces, but one file one byte longer and its padding one byte shorter.
        let resized = try mutated("oddsizes-hybrid.torrent") { info in
            var files = info[Array("files".utf8)]!.list!
            files[2] = .dict(["length": .integer(2), "path": .list([.string("a"), .string("one-byte")])])
            files[3] = .dict(["length": .integer(32766), "attr": .string("p"),
                              "path": .list([.string(".pad"), .string("32766")])])
            info[Array("files".utf8)] = .list(files)
        }
        guard case .hybridMismatch = parseError(resized) else {
            Issue.record("a resized v1 file was accepted")
            return
        }
    }

    @Test func refusesAPieceLayerThatDoesNotMatchItsRoot() throws {
        let original = try BencodeDecoder().decode(try fixture("oddsizes-v2.torrent"))
        var top = original.dictionary!
        var layers = top[Array("piece layers".utf8)]!.dictionary!
        let key = layers.keys.first { layers[$0]!.bytes!.count > 32 * 5 }!
        var layer = layers[key]!.bytes!
        layer[0] ^= 1
        layers[key] = .bytes(layer)
        top[Array("piece layers".utf8)] = .dictionary(layers)
        #expect(parseError(BencodeValue.dictionary(top).encoded()) == .badPieceLayer("oddsizes/d/big"))
    }

    @Test func refusesMalformedFileTrees() {
        let cases: [(BencodeValue, String)] = [
            (.dict(["..": leaf(1)]), "a '..' name"),
            (.dict(["x": .dict(["": .dict(["length": .integer(1), "pieces root": root7]), "y": leaf(1)])]), "file and folder"),
            (.dict(["x": leaf(1, root: .bytes([1, 2, 3]))]), "short root"),
            (.dict(["x": leaf(1, root: nil)]), "no root"),
            (.dict(["x": leaf(-5)]), "negative length"),
            (.dict(["x": .integer(3)]), "a number for a file"),
            (.dict(["x": .dict([:])]), "an empty folder"),
            (.dict(["x": .dict(["": .integer(1)])]), "a number for a file entry"),
            (.string("files"), "a string for a tree"),
        ]
        for (tree, what) in cases {
            #expect(parseError(v2Info(tree: tree)) != nil, "\(what)")
        }
        #expect(parseError(v2Info(tree: .dict(["a": .dict(["..": leaf(1)])])))
            == .unsafePath("t/a/..", reason: "it has a '..' component"))
        #expect(parseError(v2Info(tree: .dict(["x": leaf(1)]), pieceLength: 3 * 16384)) == .invalidPieceLength(3 * 16384))
        #expect(parseError(v2Info(tree: .dict(["x": leaf(1)]), pieceLength: 8192)) == .invalidPieceLength(8192))
    }

    @Test func aSingleFileV2TorrentIsNamedByItsFile() throws {
        let meta = try Metainfo(bytes: v2Info(tree: .dict(["movie.mkv": leaf(5)])))
        #expect(meta.info.isMultiFile == false)
        #expect(meta.info.files.map(\.path) == [["movie.mkv"]])
        #expect(meta.info.version == .v2)
    }

    @Test func savingAV2TorrentKeepsItsPieceLayers() throws {
        let meta = try Metainfo(bytes: try fixture("oddsizes-v2.torrent"))
        let again = try Metainfo(bytes: meta.torrentBytes())
        #expect(again.info.infoHashV2 == meta.info.infoHashV2)
        #expect(again.info.v2?.pieceLayers == meta.info.v2?.pieceLayers)
        #expect(again.info.hasAllPieceHashes)
        // Without its layers, the torrent is still readable but cannot check big files' pieces yet.
        let bare = try TorrentInfo(rawInfo: meta.info.rawInfo)
        #expect(!bare.hasAllPieceHashes)
        #expect(bare.v2?.filesNeedingLayers.count == 2)
    }

    @Test func parsesV2MagnetLinks() throws {
        let hex = "990304a80fe0e5870081e8dadce066e02c5d7762f0b3e239af71bfc8c6fa4646"
        let link = try MagnetLink(parsing: "magnet:?xt=urn:btmh:1220\(hex)&dn=odd")
        #expect(link.isV2Only)
        #expect(link.infoHashV2?.hex == hex)
        #expect(link.infoHash.hex == String(hex.prefix(40)))
        #expect(link.description == "magnet:?xt=urn:btmh:1220\(hex)&dn=odd")
    }
}
