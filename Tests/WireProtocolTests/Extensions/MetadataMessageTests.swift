import Testing
import TorrentCore
@testable import WireProtocol

@Suite struct MetadataMessageTests {
    @Test func readsTheBEP9Examples() throws {
        #expect(try MetadataMessage(decoding: Array("d8:msg_typei0e5:piecei0ee".utf8)) == .request(piece: 0))
        #expect(try MetadataMessage(decoding: Array("d8:msg_typei2e5:piecei0ee".utf8)) == .reject(piece: 0))
        let data = Array("d8:msg_typei1e5:piecei0e10:total_sizei5ee".utf8) + [1, 2, 3, 4, 5]
        #expect(try MetadataMessage(decoding: data) == .data(piece: 0, totalSize: 5, data: [1, 2, 3, 4, 5]))
    }

    @Test func roundTripsEveryKind() throws {
        let last = [UInt8](repeating: 7, count: 100)
        let messages: [MetadataMessage] = [
            .request(piece: 3), .reject(piece: 1),
            .data(piece: 1, totalSize: MetadataMessage.pieceSize + 100, data: last),
            .data(piece: 0, totalSize: 40000, data: [UInt8](repeating: 1, count: MetadataMessage.pieceSize)),
        ]
        for message in messages {
            #expect(try MetadataMessage(decoding: message.encoded()) == message)
        }
    }

    @Test func refusesHostileSizesAndOffsets() {
        func error(_ text: String, _ tail: [UInt8] = []) -> MetadataMessageError? {
            do {
                _ = try MetadataMessage(decoding: Array(text.utf8) + tail)
                return nil
            } catch {
                return error
            }
        }
        #expect(error("d8:msg_typei1e5:piecei0e10:total_sizei0ee") == .totalSizeOutOfRange(0))
        #expect(error("d8:msg_typei1e5:piecei0e10:total_sizei-5ee") == .totalSizeOutOfRange(-5))
        #expect(error("d8:msg_typei1e5:piecei0e10:total_sizei99999999999ee") == .totalSizeOutOfRange(99_999_999_999))
        #expect(error("d8:msg_typei0e5:piecei-1ee") == .pieceOutOfRange(-1))
        #expect(error("d8:msg_typei0e5:piecei9223372036854775807ee") == .pieceOutOfRange(Int64.max))
        // Piece 2 of a 20000-byte dictionary (2 pieces) does not exist.
        #expect(error("d8:msg_typei1e5:piecei2e10:total_sizei20000ee") == .pieceOutOfRange(2))
        // A short (or long) piece.
        #expect(error("d8:msg_typei1e5:piecei0e10:total_sizei5ee", [1, 2]) ==
                .wrongPieceLength(piece: 0, expected: 5, got: 2))
        #expect(error("d8:msg_typei1e5:piecei0e10:total_sizei5ee", [UInt8](repeating: 0, count: 9)) ==
                .wrongPieceLength(piece: 0, expected: 5, got: 9))
        #expect(error("d8:msg_typei7e5:piecei0ee") == .unknownType(7))
        #expect(error("d5:piecei0ee") == .missingField("msg_type"))
        #expect(error("d8:msg_typei1e5:piecei0ee") == .missingField("total_size"))
        #expect(error("li1ee") == .notADictionary)
        #expect(error("d8:msg_typ") == .invalidBencode)
        #expect(error("") == .invalidBencode)
    }

    @Test func garbageNeverCrashes() {
        var generator = SystemRandomNumberGenerator()
        let seeds = ["d8:msg_typei1e5:piecei0e10:total_sizei5ee", "d8:msg_typei0e5:piecei0ee"]
        for round in 0..<2000 {
            var bytes = Array(seeds[round % 2].utf8)
            for _ in 0..<3 {
                let at = Int.random(in: 0..<bytes.count, using: &generator)
                bytes[at] = UInt8.random(in: 0...255, using: &generator)
            }
            _ = try? MetadataMessage(decoding: bytes)
        }
    }

    @Test func piecesSplitTheDictionaryIn16KiB() {
        #expect(MetadataMessage.pieceCount(totalSize: 1) == 1)
        #expect(MetadataMessage.pieceCount(totalSize: 16384) == 1)
        #expect(MetadataMessage.pieceCount(totalSize: 16385) == 2)
        #expect(MetadataMessage.length(ofPiece: 1, totalSize: 16385) == 1)
    }
}
