import Foundation
import Testing
import TorrentCore
import WireProtocol

/// Replies captured from Debian's opentracker by `Fixtures/capture-opentracker.py`: peers
/// A 127.0.0.2:6881 (leecher) and B 127.0.0.3:6882 (seeder) over HTTP, then C 127.0.0.4:6883
/// (leecher) and D 127.0.0.5:6884 (seeder) over UDP, all for the info-hash 01 02 … 14.
@Suite struct TrackerFixtureTests {
    static let infoHash = InfoHash(bytes: Array(1...20))!
    static let transactionID: UInt32 = 0x0BAD_F00D

    static func fixture(_ name: String) throws -> [UInt8] {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/\(name)")
        return Array(try Data(contentsOf: url))
    }

    @Test func readsOpentrackersHTTPAnnounce() throws {
        let reply = try AnnounceResponse.parse(Self.fixture("opentracker-http-announce.bin"))
        // opentracker randomises its intervals a little around 30 and 15 minutes.
        #expect((1500...2100).contains(try #require(reply.interval)))
        #expect((700...1100).contains(try #require(reply.minInterval)))
        #expect(reply.seeders == 1)
        #expect(reply.leechers == 1)
        #expect(reply.peers == [PeerEndpoint(host: "127.0.0.2", port: 6881), PeerEndpoint(host: "127.0.0.3", port: 6882)])
        #expect(reply.notes.isEmpty)
        #expect(reply.warning == nil)
    }

    @Test func readsOpentrackersRefusal() throws {
        #expect(throws: TrackerReplyError.failure(reason: "Requested download is not authorized for use with this tracker.")) {
            try AnnounceResponse.parse(Self.fixture("opentracker-http-failure.bin"))
        }
    }

    @Test func readsOpentrackersHTTPScrape() throws {
        let reply = try ScrapeResponse.parse(Self.fixture("opentracker-http-scrape.bin"))
        #expect(reply.files == [Self.infoHash: ScrapeStats(seeders: 1, completed: 0, leechers: 1)])
    }

    @Test func readsOpentrackersUDPConnect() throws {
        let reply = try UDPTrackerPacket.parseReply(Self.fixture("opentracker-udp-connect.bin"), to: .connect,
                                                   transactionID: Self.transactionID)
        guard case .connected = reply else {
            Issue.record("expected a connect reply, got \(reply)")
            return
        }
        #expect(throws: TrackerReplyError.transactionMismatch(expected: 1, received: Self.transactionID)) {
            try UDPTrackerPacket.parseReply(Self.fixture("opentracker-udp-connect.bin"), to: .connect, transactionID: 1)
        }
    }

    @Test func readsOpentrackersUDPAnnounce() throws {
        let reply = try UDPTrackerPacket.parseReply(Self.fixture("opentracker-udp-announce.bin"), to: .announce,
                                                   transactionID: Self.transactionID)
        guard case .announced(let response) = reply else {
            Issue.record("expected an announce reply, got \(reply)")
            return
        }
        #expect((1500...2100).contains(try #require(response.interval)))
        #expect(response.seeders == 2)
        #expect(response.leechers == 2)
        // opentracker lists the announcing peer (D) too; clients skip their own address.
        #expect(Set(response.peers) == [
            PeerEndpoint(host: "127.0.0.2", port: 6881), PeerEndpoint(host: "127.0.0.3", port: 6882),
            PeerEndpoint(host: "127.0.0.4", port: 6883), PeerEndpoint(host: "127.0.0.5", port: 6884),
        ])
        #expect(response.notes.isEmpty)
    }

    @Test func readsOpentrackersUDPScrape() throws {
        let reply = try UDPTrackerPacket.parseReply(Self.fixture("opentracker-udp-scrape.bin"), to: .scrape,
                                                   transactionID: Self.transactionID, scrapeCount: 2)
        #expect(reply == .scraped([ScrapeStats(seeders: 2, completed: 0, leechers: 2),
                                   ScrapeStats(seeders: 0, completed: 0, leechers: 0)]))
    }

    /// For a torrent off its whitelist, opentracker's UDP side answers with a bare 8-byte header.
    @Test func rejectsOpentrackersTruncatedUDPAnnounce() throws {
        #expect(throws: TrackerReplyError.packetTooShort(action: "announce", length: 8, minimum: 20)) {
            try UDPTrackerPacket.parseReply(Self.fixture("opentracker-udp-announce-unlisted.bin"), to: .announce,
                                            transactionID: Self.transactionID)
        }
    }
}
