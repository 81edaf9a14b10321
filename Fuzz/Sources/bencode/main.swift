// Bencode: any bytes into `BencodeDecoder`. A decoded value must survive encode → decode
// unchanged, the recorded `info` range must lie inside the input, and a prefix decode must agree
// with a whole decode of the bytes it says it used.
import Bencode
import FuzzSupport

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let bytes = FuzzInput(start, count).bytes
    let decoder = BencodeDecoder()

    if let document = try? decoder.decodeDocument(bytes) {
        if let range = document.infoRange {
            expect(range.lowerBound >= 0 && range.upperBound <= bytes.count, "info range \(range) outside \(bytes.count) bytes")
            expect((try? decoder.decode(Array(bytes[range]))) == document.root["info"], "info range does not hold the info value")
        }
        let encoded = document.root.encoded()
        let again = try? decoder.decode(encoded)
        expect(again == document.root, "encode → decode changed the value")
        expect(again?.encoded() == encoded, "encoding is not canonical")
    }

    if let (value, length) = try? decoder.decodePrefix(bytes[...]) {
        expect(length > 0 && length <= bytes.count, "prefix length \(length) of \(bytes.count) bytes")
        expect((try? decoder.decode(Array(bytes.prefix(length)))) == value, "prefix decode disagrees with whole decode")
    }

    // Tight limits must refuse, never trap.
    _ = try? BencodeDecoder(maxDepth: 2, maxStringLength: 8).decode(bytes)
    return 0
}
