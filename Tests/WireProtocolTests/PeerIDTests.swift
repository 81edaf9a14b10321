import TestSupport
import Testing
@testable import WireProtocol


@Suite struct PeerIDTests {
    private func id(_ text: String) -> PeerID {
        let padded = Array(text.utf8) + Array(repeating: UInt8(ascii: "x"), count: max(0, 20 - text.utf8.count))
        return PeerID(bytes: padded.prefix(20))!
    }

    @Test func generatesRillIdsOfPrintableCharacters() {
        var rng = SeededGenerator(seed: 1)
        let first = PeerID.generate(using: &rng)
        let second = PeerID.generate(using: &rng)
        #expect(first.bytes.count == 20)
        #expect(first.bytes.starts(with: Array("-RL0001-".utf8)))
        #expect(first.bytes.allSatisfy { $0 >= 0x21 && $0 < 0x7F })
        #expect(first != second)
        #expect(first.clientName == "rill 0.0.0.1")
    }

    @Test(arguments: [
        ("-LT2090-", "libtorrent 2.0.9"),
        ("-LT12J0-", "libtorrent 1.2.19"),
        ("-lt0D80-", "libTorrent (rakshasa) 0.13.8"),
        ("-TR300Z-", "Transmission 3.00+"),
        ("-TR2940-", "Transmission 2.94"),
        ("-TR4060-", "Transmission 4.0.6"),
        ("-qB4650-", "qBittorrent 4.6.5"),
        ("-DE211s-", "Deluge 2.1.1"),
        ("-UT355W-", "µTorrent 3.5.5"),
        ("-AZ5770-", "Vuze 5.7.7"),
        ("-BI3610-", "BiglyBT 3.6.1"),
        ("A2-1-37-0-", "aria2 1.37.0"),
        ("M7-4-0--", "BitTorrent 7.4.0"),
        ("-ZZ1234-", "unknown client (-ZZ1234-)"),
        ("exbc", "unknown client (exbcxxxx)"),
    ])
    func namesCommonClients(prefix: String, name: String) {
        #expect(id(prefix).clientName == name)
    }

    @Test func fallsBackForBinaryIds() {
        let binary = PeerID(bytes: [UInt8](repeating: 0, count: 20))!
        #expect(binary.clientName == "unknown client")
        #expect(binary.description.hasPrefix("%00%00"))
    }

    @Test func refusesTheWrongLength() {
        #expect(PeerID(bytes: [UInt8](repeating: 1, count: 19)) == nil)
    }
}
