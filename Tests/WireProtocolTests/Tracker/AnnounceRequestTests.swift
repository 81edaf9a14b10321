import Testing
import TorrentCore
@testable import WireProtocol

@Suite struct TrackerAnnounceRequestTests {
    /// The info-hash from the BEP 3 wiki example, and a peer id with characters that need escaping.
    private static let infoHash = InfoHash(bytes: [0x12, 0x34, 0x56, 0x78, 0x9A, 0xBC, 0xDE, 0xF1, 0x23, 0x45,
                                                   0x67, 0x89, 0xAB, 0xCD, 0xEF, 0x12, 0x34, 0x56, 0x78, 0x9A])!
    private static let peerID = Array("-RL0001-ab cd/ef.gh~".utf8)
    private static let expectedQuery = "info_hash=%124Vx%9A%BC%DE%F1%23Eg%89%AB%CD%EF%124Vx%9A"
        + "&peer_id=-RL0001-ab%20cd%2Fef.gh~&port=6881&uploaded=1&downloaded=2&left=3"
        + "&compact=1&no_peer_id=1&event=started&numwant=50&key=0000BEEF"

    private func request(event: AnnounceEvent = .started) -> AnnounceRequest {
        AnnounceRequest(infoHash: Self.infoHash, peerID: Self.peerID, port: 6881, uploaded: 1, downloaded: 2, left: 3,
                        event: event, numWant: 50, key: 0xBEEF)
    }

    @Test func percentEncodesBinaryValuesByteByByte() {
        #expect(URLPercentEncoding.encode(Self.infoHash.bytes) == "%124Vx%9A%BC%DE%F1%23Eg%89%AB%CD%EF%124Vx%9A")
        #expect(URLPercentEncoding.encode([0x00, 0x7E, 0x2D, 0x2E, 0x5F, 0x20, 0xFF]) == "%00~-._%20%FF")
    }

    @Test func buildsTheAnnounceURL() {
        #expect(request().httpURL(announce: "http://t.example/announce")
            == "http://t.example/announce?" + Self.expectedQuery)
    }

    @Test func appendsToAnExistingQueryWithAmpersand() {
        #expect(request().httpURL(announce: "https://t.example/announce.php?passkey=abc")
            == "https://t.example/announce.php?passkey=abc&" + Self.expectedQuery)
        #expect(request().httpURL(announce: "http://t.example/a?") == "http://t.example/a?" + Self.expectedQuery)
        #expect(request().httpURL(announce: "http://t.example/a?x=1&") == "http://t.example/a?x=1&" + Self.expectedQuery)
    }

    @Test func dropsAFragment() {
        #expect(request().httpURL(announce: "http://t.example/announce#top")
            == "http://t.example/announce?" + Self.expectedQuery)
    }

    @Test func leavesOutEventForRegularUpdatesAndSendsTrackerID() {
        var update = request(event: .none)
        update.numWant = nil
        update.trackerID = [0x41, 0x00, 0x42]
        update.noPeerID = false
        let url = update.httpURL(announce: "http://t.example/announce")
        #expect(!url.contains("event="))
        #expect(!url.contains("numwant="))
        #expect(!url.contains("no_peer_id"))
        #expect(url.hasSuffix("&key=0000BEEF&trackerid=A%00B"))
    }

    @Test func namesEventsAsTrackersExpect() {
        #expect(AnnounceEvent.allCases.map(\.httpValue) == [nil, "started", "completed", "stopped"])
        #expect(AnnounceEvent.allCases.map(\.udpValue) == [0, 2, 1, 3])
    }
}
