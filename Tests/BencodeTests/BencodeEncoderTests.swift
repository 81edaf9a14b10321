import Testing
import Bencode

@Suite struct BencodeEncoderTests {
    @Test func encodesCanonicallyWithSortedKeys() {
        let value = BencodeValue.dict(["zeta": .integer(-3), "alpha": .list([.string("x"), .integer(0)]), "b": .bytes([])])
        #expect(String(decoding: value.encoded(), as: UTF8.self) == "d5:alphal1:xi0ee1:b0:4:zetai-3ee")
    }

    @Test func sortsKeysAsRawBytesNotAsText() {
        // "Z" (0x5A) sorts before "a" (0x61); 0xC3 (UTF-8 lead byte) sorts after both.
        let value = BencodeValue.dictionary([Array("a".utf8): .integer(1), Array("Z".utf8): .integer(2), [0xC3, 0xA9]: .integer(3)])
        #expect(value.encoded() == Array("d1:Zi2e1:ai1e2:".utf8) + [0xC3, 0xA9] + Array("i3ee".utf8))
    }

    @Test func roundTripsThroughTheDecoder() throws {
        let value = BencodeValue.dict([
            "info": .dict(["pieces": .bytes((0..<200).map { UInt8($0) }), "length": .integer(1 << 40)]),
            "announce-list": .list([.list([.string("udp://a:1")]), .list([])]),
        ])
        #expect(try BencodeDecoder().decode(value.encoded()) == value)
    }
}
