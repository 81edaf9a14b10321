import NIOCore
import Testing
@testable import WireProtocol

@Suite struct ExtensionHandshakeTests {
    /// The dictionary as libtorrent 2.0.9 sends it (keys sorted, `yourip` as 4 raw bytes).
    let libtorrentPayload: [UInt8] =
        Array("d1:md11:ut_metadatai2e6:ut_pexi1ee13:metadata_sizei1234e1:pi6881e4:reqqi500e1:v16:libtorrent/2.0.96:yourip4:".utf8)
        + [127, 0, 0, 2] + Array("e".utf8)

    @Test func readsALibtorrentHandshake() throws {
        let handshake = try ExtensionHandshake(decoding: libtorrentPayload)
        #expect(handshake.extensions == ["ut_metadata": 2, "ut_pex": 1])
        #expect(handshake.messageID(for: ExtensionHandshake.Name.metadata) == 2)
        #expect(handshake.messageID(for: ExtensionHandshake.Name.peerExchange) == 1)
        #expect(handshake.metadataSize == 1234)
        #expect(handshake.listenPort == 6881)
        #expect(handshake.requestQueueLength == 500)
        #expect(handshake.client == "libtorrent/2.0.9")
        #expect(handshake.yourIP == [127, 0, 0, 2])
    }

    @Test func readsFromTheExtendedMessagePayload() throws {
        var decoder = PeerFrameDecoder()
        let message = PeerMessage.extended(id: 0, payload: ByteBuffer(bytes: libtorrentPayload))
        var wire = PeerMessageEncoder().encode(message)
        guard case .extended(0, let payload) = try decoder.decode(buffer: &wire) else {
            Issue.record("expected an extension handshake")
            return
        }
        #expect(try ExtensionHandshake(decoding: payload).metadataSize == 1234)
    }

    @Test func roundTrips() throws {
        let original = ExtensionHandshake(
            extensions: ["ut_metadata": 3, "ut_pex": 4], client: "rill 0.0.1", listenPort: 51413,
            requestQueueLength: 250, yourIP: Array(repeating: 0xFE, count: 16), metadataSize: 40000)
        #expect(try ExtensionHandshake(decoding: original.encoded()) == original)
        guard case .extended(0, let payload) = original.message else {
            Issue.record("the handshake travels as extended message 0")
            return
        }
        #expect(try ExtensionHandshake(decoding: payload) == original)
    }

    @Test func encodesCanonicalBencode() {
        let handshake = ExtensionHandshake(extensions: ["ut_pex": 1], listenPort: 6881)
        #expect(String(decoding: handshake.encoded(), as: UTF8.self) == "d1:md6:ut_pexi1ee1:pi6881ee")
    }

    @Test func keepsDisabledExtensionsButDoesNotOfferThem() throws {
        let handshake = try ExtensionHandshake(decoding: Array("d1:md6:ut_pexi0eee".utf8))
        #expect(handshake.extensions == ["ut_pex": 0])
        #expect(handshake.messageID(for: "ut_pex") == nil)
    }

    @Test func ignoresUnknownKeysAndEmptyDictionaries() throws {
        let handshake = try ExtensionHandshake(decoding: Array("d12:complete_agoi-1e4:ipv616:0123456789abcdef11:upload_onlyi1ee".utf8))
        #expect(handshake == ExtensionHandshake())
    }

    @Test func dropsOrBoundsHostileValues() throws {
        let text = "d1:md11:ut_metadatai-1e6:ut_pexi256e6:lt_dhti7ee13:metadata_sizei-5e1:pi70000e"
            + "4:reqqi999999999999e6:yourip3:abce"
        let handshake = try ExtensionHandshake(decoding: Array(text.utf8))
        #expect(handshake.extensions == ["lt_dht": 7])
        #expect(handshake.metadataSize == nil)
        #expect(handshake.listenPort == nil)
        #expect(handshake.requestQueueLength == ExtensionHandshake.maxRequestQueueLength)
        #expect(handshake.yourIP == nil)

        let absurd = try ExtensionHandshake(decoding: Array("d13:metadata_sizei99999999999e4:reqqi0ee".utf8))
        #expect(absurd.metadataSize == nil)
        #expect(absurd.requestQueueLength == nil)
    }

    @Test func toleratesWrongTypes() throws {
        let handshake = try ExtensionHandshake(decoding: Array("d1:mli1ee1:p4:68811:vi5e4:reqq3:abce".utf8))
        #expect(handshake == ExtensionHandshake())
    }

    @Test func refusesWhatIsNotADictionary() {
        #expect(throws: ExtensionHandshakeError.notADictionary) {
            try ExtensionHandshake(decoding: Array("li1ee".utf8))
        }
        #expect(throws: ExtensionHandshakeError.self) {
            try ExtensionHandshake(decoding: Array("d1:md6:ut_pexi1e".utf8))
        }
        #expect(throws: ExtensionHandshakeError.self) {
            try ExtensionHandshake(decoding: Array("d1:pi1ee trailing".utf8))
        }
    }
}
