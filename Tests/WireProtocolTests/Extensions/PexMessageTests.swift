import Testing
import TorrentCore
@testable import WireProtocol

@Suite struct PexMessageTests {
    @Test func roundTripsIPv4AndIPv6WithFlags() throws {
        let message = PexMessage(
            added: [.init(PeerEndpoint(host: "127.0.0.2", port: 6881), flags: [.seed, .reachable]),
                    .init(PeerEndpoint(host: "10.1.2.3", port: 80)),
                    .init(PeerEndpoint(host: "::1", port: 51413), flags: [.supportsUTP])],
            dropped: [PeerEndpoint(host: "127.0.0.9", port: 1), PeerEndpoint(host: "fe80::1", port: 2)])
        let decoded = try PexMessage(decoding: message.encoded())
        #expect(decoded == message)
    }

    @Test func readsALibtorrentStyleMessage() throws {
        // added: 127.0.0.3:6882 with flag 0x12 (seed + reachable); no added6; one dropped.
        let bytes = Array("d5:added6:".utf8) + [127, 0, 0, 3, 0x1A, 0xE2] + Array("7:added.f1:".utf8) + [0x12]
            + Array("6:added60:8:added6.f0:7:dropped6:".utf8) + [127, 0, 0, 4, 0x1A, 0xE3]
            + Array("8:dropped60:e".utf8)
        let message = try PexMessage(decoding: bytes)
        #expect(message.added == [.init(PeerEndpoint(host: "127.0.0.3", port: 6882), flags: [.seed, .reachable])])
        #expect(message.dropped == [PeerEndpoint(host: "127.0.0.4", port: 6883)])
    }

    @Test func boundsHostileLists() throws {
        // 10 000 entries, a trailing partial entry, a port-0 entry, and flags that run short.
        var added: [UInt8] = []
        for index in 0..<10_000 { added += [10, UInt8(index >> 8 & 0xFF), UInt8(index & 0xFF), 1, 0, 1] }
        added += [1, 2, 3]
        let bytes = Array("d5:added\(added.count):".utf8) + added + Array("7:added.f0:e".utf8)
        let message = try PexMessage(decoding: bytes)
        #expect(message.added.count == PexMessage.maxEntriesRead)
        #expect(message.added.allSatisfy { $0.flags.isEmpty })

        let zeroPort = Array("d5:added12:".utf8) + [1, 1, 1, 1, 0, 0, 2, 2, 2, 2, 0, 9] + Array("e".utf8)
        #expect(try PexMessage(decoding: zeroPort).added.map(\.endpoint) == [PeerEndpoint(host: "2.2.2.2", port: 9)])
    }

    @Test func refusesWhatIsNotADictionary() {
        #expect(throws: PexMessageError.notADictionary) { try PexMessage(decoding: Array("i3e".utf8)) }
        #expect(throws: PexMessageError.invalidBencode) { try PexMessage(decoding: Array("d5:added".utf8)) }
        #expect(throws: PexMessageError.invalidBencode) { try PexMessage(decoding: []) }
    }

    @Test func ignoresMissingListsAndNonIPHosts() throws {
        #expect(try PexMessage(decoding: Array("de".utf8)) == PexMessage())
        let named = PexMessage(added: [.init(PeerEndpoint(host: "example.org", port: 1))])
        #expect(try PexMessage(decoding: named.encoded()) == PexMessage())
    }
}
