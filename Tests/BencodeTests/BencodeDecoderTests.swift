import TestSupport
import Testing
@testable import Bencode

private func decode(_ text: String) throws(BencodeError) -> BencodeValue {
    try BencodeDecoder().decode(Array(text.utf8))
}

private func failure(_ text: String, decoder: BencodeDecoder = BencodeDecoder()) -> BencodeError? {
    do {
        _ = try decoder.decode(Array(text.utf8))
        return nil
    } catch {
        return error
    }
}

@Suite struct BencodeDecoderTests {
    @Test func decodesAllFourTypes() throws {
        #expect(try decode("i42e") == .integer(42))
        #expect(try decode("i-7e") == .integer(-7))
        #expect(try decode("i0e") == .integer(0))
        #expect(try decode("4:spam") == .string("spam"))
        #expect(try decode("0:") == .bytes([]))
        #expect(try decode("l4:spami3ee") == .list([.string("spam"), .integer(3)]))
        #expect(try decode("d3:cow3:moo4:spaml1:a1:bee")
            == .dict(["cow": .string("moo"), "spam": .list([.string("a"), .string("b")])]))
    }

    @Test func keepsBinaryStringsAsBytes() throws {
        let bytes: [UInt8] = Array("3:".utf8) + [0x00, 0xFF, 0x80]
        #expect(try BencodeDecoder().decode(bytes) == .bytes([0x00, 0xFF, 0x80]))
        #expect(try BencodeDecoder().decode(bytes).text == nil)
    }

    @Test func integersAtTheLimitsOf64Bits() throws {
        #expect(try decode("i9223372036854775807e") == .integer(.max))
        #expect(try decode("i-9223372036854775808e") == .integer(.min))
        #expect(failure("i9223372036854775808e")?.reason == .integerOverflow)
        #expect(failure("i-9223372036854775809e")?.reason == .integerOverflow)
    }

    @Test func rejectsLeadingZerosAndNegativeZero() {
        #expect(failure("i03e") == BencodeError(offset: 1, reason: .leadingZero))
        #expect(failure("i-0e") == BencodeError(offset: 1, reason: .negativeZero))
        #expect(failure("04:spam")?.reason == .leadingZero)
        #expect(failure("i-e") != nil)
        #expect(failure("ie") != nil)
    }

    @Test func rejectsTruncatedDataWithTheOffset() {
        #expect(failure("") == BencodeError(offset: 0, reason: .unexpectedEnd(expected: "a value")))
        #expect(failure("i42")?.offset == 3)
        #expect(failure("5:spam")?.offset == 6)
        #expect(failure("l4:spam")?.offset == 7)
        #expect(failure("d3:cow")?.offset == 6)
        #expect(failure("d3:cow3:moo")?.reason == .unexpectedEnd(expected: "a dictionary key or 'e'"))
    }

    @Test func rejectsTrailingGarbage() {
        #expect(failure("i1ei2e") == BencodeError(offset: 3, reason: .trailingData(count: 3)))
        #expect(failure("4:spamX") == BencodeError(offset: 6, reason: .trailingData(count: 1)))
    }

    @Test func rejectsMalformedStructure() {
        #expect(failure("x")?.reason == .unexpectedByte(UInt8(ascii: "x"), expected: "'i', 'l', 'd' or a digit"))
        #expect(failure("di1ei2ee")?.reason == .nonStringKey)
        #expect(failure("d1:ai1e1:ai2ee")?.reason == .duplicateKey(Array("a".utf8)))
        #expect(failure("i1x2e")?.offset == 2)
        #expect(failure("3x:abc")?.offset == 1)
    }

    @Test func boundsNestingDepthWithoutExhaustingTheStack() {
        let deep = String(repeating: "l", count: 100_000) + String(repeating: "e", count: 100_000)
        #expect(failure(deep)?.reason == .nestingTooDeep(limit: 64))
        let ok = String(repeating: "l", count: 64) + String(repeating: "e", count: 64)
        #expect(failure(ok) == nil)
    }

    @Test func boundsStringLengthBeforeAllocating() {
        let decoder = BencodeDecoder(maxStringLength: 1000)
        #expect(failure("1001:x", decoder: decoder)?.reason == .stringTooLong(1001, limit: 1000))
        // A declared length far beyond the input is reported as truncation, not allocated.
        #expect(failure("9999999:abc")?.reason == .unexpectedEnd(expected: "9999999 string bytes starting at 8"))
        #expect(failure("99999999999999999999999:x")?.reason == .stringTooLong(99_999_999, limit: 64 << 20))
    }

    @Test func acceptsUnsortedKeysAsRealTorrentsHaveThem() throws {
        #expect(try decode("d1:bi1e1:ai2ee") == .dict(["a": .integer(2), "b": .integer(1)]))
    }

    @Test func recordsTheExactByteRangeOfTheInfoDictionary() throws {
        // Unsorted keys inside info: re-encoding would change the bytes, the range must not.
        let text = "d8:announce3:url4:infod4:name1:x6:lengthi5eee"
        let bytes = Array(text.utf8)
        let document = try BencodeDecoder().decodeDocument(bytes)
        let range = try #require(document.infoRange)
        #expect(String(decoding: bytes[range], as: UTF8.self) == "d4:name1:x6:lengthi5ee")
        #expect(document.root["info"]!.encoded() != Array(bytes[range]))
    }

    @Test func ignoresNestedInfoKeysForTheRange() throws {
        let document = try BencodeDecoder().decodeDocument(Array("d1:ad4:infoi1eee".utf8))
        #expect(document.infoRange == nil)
    }

    @Test func decodesAPrefixAndReportsItsLength() throws {
        let bytes = Array("d8:msg_typei1e5:piecei0eeRAWDATA".utf8)
        let (value, length) = try BencodeDecoder().decodePrefix(bytes[...])
        #expect(value["msg_type"]?.integer == 1)
        #expect(String(decoding: bytes[length...], as: UTF8.self) == "RAWDATA")
    }

    @Test func errorsReadAsOneClearSentence() {
        let error = failure("d3:cow")!
        #expect(error.description == "invalid bencode at byte 6: data ends early, expected a value")
    }

    @Test func neverCrashesOnRandomBytes() throws {
        var rng = SeededGenerator(seed: 7)
        for _ in 0..<5000 {
            let length = Int(rng.next() % 64)
            var bytes = (0..<length).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            // Bias towards bencode-looking input so deeper paths are reached.
            for i in bytes.indices where rng.next() % 2 == 0 {
                bytes[i] = Array("ilde0123456789:-".utf8)[Int(rng.next() % 16)]
            }
            if let value = try? BencodeDecoder().decode(bytes) {
                // Whatever decodes must re-decode to the same value from its canonical form.
                #expect(try BencodeDecoder().decode(value.encoded()) == value)
            }
        }
    }
}

