import Storage
import Testing
import TorrentCore

@Suite struct MemoryStorageTests {
    let layout = FileLayout(files: [
        TorrentFile(path: ["t", "a"], length: 10, offset: 0),
        TorrentFile(path: ["t", ".pad", "6"], length: 6, offset: 10, isPadding: true),
        TorrentFile(path: ["t", "b"], length: 20, offset: 16),
    ], pieceLength: 16)

    @Test func readsBackWhatWasWrittenAcrossPieces() throws {
        let storage = MemoryStorage(layout: layout)
        try storage.write(piece: 1, offset: 3, bytes: [1, 2, 3, 4])
        try storage.write(piece: 2, offset: 0, bytes: [9, 8, 7, 6])

        #expect(try storage.read(piece: 1, offset: 2, length: 6) == [0, 1, 2, 3, 4, 0])
        #expect(try storage.readPiece(2) == [9, 8, 7, 6])
    }

    @Test func paddingStaysZero() throws {
        let storage = MemoryStorage(layout: layout, contents: [UInt8](repeating: 0xFF, count: 36))
        #expect(try storage.readPiece(0) == [UInt8](repeating: 0xFF, count: 10) + [UInt8](repeating: 0, count: 6))
        #expect(storage.contents[16...].allSatisfy { $0 == 0xFF })
    }

    @Test func rejectsRangesPastThePieceEnd() {
        let storage = MemoryStorage(layout: layout)
        #expect(throws: StorageError.outOfRange(piece: 2, offset: 1, length: 4)) {
            try storage.write(piece: 2, offset: 1, bytes: [1, 2, 3, 4])
        }
    }
}
