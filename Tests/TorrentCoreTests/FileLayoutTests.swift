import Testing
import TorrentCore

@Suite struct FileLayoutTests {
    /// Files of 10, 0, 25, 5 bytes with 16-byte pieces: a piece spans three files and skips the empty one.
    let layout = FileLayout(files: [
        TorrentFile(path: ["t", "a"], length: 10, offset: 0),
        TorrentFile(path: ["t", "empty"], length: 0, offset: 10),
        TorrentFile(path: ["t", "b"], length: 25, offset: 10),
        TorrentFile(path: ["t", "c"], length: 5, offset: 35),
    ], pieceLength: 16)

    @Test func countsPiecesAndTheShortLastPiece() {
        #expect(layout.totalLength == 40)
        #expect(layout.pieceCount == 3)
        #expect(layout.size(ofPiece: 0) == 16)
        #expect(layout.size(ofPiece: 2) == 8)
    }

    @Test func mapsAPieceAcrossFileBoundariesSkippingEmptyFiles() {
        #expect(layout.spans(piece: 0, offset: 0, length: 16) == [
            .init(fileIndex: 0, fileOffset: 0, length: 10), .init(fileIndex: 2, fileOffset: 0, length: 6),
        ])
        #expect(layout.spans(piece: 2, offset: 0, length: 8) == [
            .init(fileIndex: 2, fileOffset: 22, length: 3), .init(fileIndex: 3, fileOffset: 0, length: 5),
        ])
        #expect(layout.spans(streamOffset: 5, length: 35) == [
            .init(fileIndex: 0, fileOffset: 5, length: 5), .init(fileIndex: 2, fileOffset: 0, length: 25),
            .init(fileIndex: 3, fileOffset: 0, length: 5),
        ])
        #expect(layout.spans(piece: 1, offset: 3, length: 0).isEmpty)
    }

    @Test func saysWhichPiecesHoldAFile() {
        #expect(layout.pieces(ofFile: 0) == 0..<1)
        #expect(layout.pieces(ofFile: 1).isEmpty)
        #expect(layout.pieces(ofFile: 2) == 0..<3)
        #expect(layout.pieces(ofFile: 3) == 2..<3)
    }
}

@Suite struct BitfieldTests {
    @Test func setsAndCountsBitsInWireOrder() {
        var field = Bitfield(count: 10)
        field[0] = true
        field[9] = true
        field[9] = true
        #expect(field.bytes == [0x80, 0x40])
        #expect(field.setCount == 2)
        #expect(field.setIndices == [0, 9])
        field[0] = false
        #expect(field.setCount == 1 && !field.isComplete && !field.isEmpty)
        #expect(Bitfield(count: 10, allSet: true).bytes == [0xFF, 0xC0])
    }

    @Test func rejectsWireFieldsOfTheWrongSizeOrWithSpareBits() {
        #expect(Bitfield(bytes: [0xFF, 0xC0], count: 10)?.isComplete == true)
        #expect(Bitfield(bytes: [0xFF, 0xE0], count: 10) == nil)
        #expect(Bitfield(bytes: [0xFF], count: 10) == nil)
        #expect(Bitfield(bytes: [0xFF, 0, 0], count: 10) == nil)
    }
}

@Suite struct InfoHashTests {
    @Test func printsAsFortyHexCharactersAndParsesBack() throws {
        let hash = try #require(InfoHash(bytes: (0..<20).map { UInt8($0 * 13) }))
        #expect(hash.description == "000d1a2734414e5b6875828f9ca9b6c3d0ddeaf7")
        #expect(InfoHash(text: hash.hex) == hash)
        #expect(InfoHash(text: hash.hex.uppercased()) == hash)
        #expect(InfoHash(text: "xyz") == nil)
        #expect(InfoHash(bytes: [1, 2, 3]) == nil)
    }
}
