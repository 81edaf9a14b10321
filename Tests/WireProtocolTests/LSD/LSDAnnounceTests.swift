import Testing
import TorrentCore
@testable import WireProtocol

@Suite struct LSDAnnounceTests {
    let first = InfoHash(bytes: Array(1...20))!
    let second = InfoHash(bytes: Array(21...40))!

    @Test func announceRoundTripsWithSeveralInfoHashesAndACookie() throws {
        let announce = LSDAnnounce(port: 51413, infoHashes: [first, second], cookie: "rill-abc")
        let bytes = announce.encoded()
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(text.hasPrefix("BT-SEARCH * HTTP/1.1\r\nHost: 239.192.152.143:6771\r\n"))
        #expect(text.hasSuffix("\r\n\r\n"))
        #expect(try LSDAnnounce(decoding: bytes) == announce)
    }

    @Test func parsesAnAnnounceInTheFormLibtorrentSends() throws {
        let text = "BT-SEARCH * HTTP/1.1\r\nHost: 239.192.152.143:6771\r\nPort: 6881\r\n"
            + "Infohash: \(first.hex.uppercased())\r\ncookie: 5c0e1\r\n\r\n\r\n"
        let announce = try LSDAnnounce(decoding: Array(text.utf8))
        #expect(announce.port == 6881)
        #expect(announce.infoHashes == [first])
        #expect(announce.cookie == "5c0e1")
    }

    @Test func rejectsWhatIsNotAnAnnounce() {
        #expect(throws: LSDError.notBTSearch) { try LSDAnnounce(decoding: Array("GET / HTTP/1.1\r\n\r\n".utf8)) }
        #expect(throws: LSDError.missingPort) {
            try LSDAnnounce(decoding: Array("BT-SEARCH * HTTP/1.1\r\nInfohash: \(first.hex)\r\n\r\n".utf8))
        }
        #expect(throws: LSDError.badPort("0")) {
            try LSDAnnounce(decoding: Array("BT-SEARCH * HTTP/1.1\r\nPort: 0\r\nInfohash: \(first.hex)\r\n\r\n".utf8))
        }
        #expect(throws: LSDError.badInfoHash("xyz")) {
            try LSDAnnounce(decoding: Array("BT-SEARCH * HTTP/1.1\r\nPort: 1\r\nInfohash: xyz\r\n\r\n".utf8))
        }
        #expect(throws: LSDError.missingInfoHash) {
            try LSDAnnounce(decoding: Array("BT-SEARCH * HTTP/1.1\r\nPort: 1\r\n\r\n".utf8))
        }
        #expect(throws: LSDError.notText) { try LSDAnnounce(decoding: [0xFF, 0xFE, 0x00]) }
    }
}
