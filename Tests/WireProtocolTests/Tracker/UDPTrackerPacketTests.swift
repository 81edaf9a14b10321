import Testing
import TorrentCore
@testable import WireProtocol

@Suite struct TrackerUDPPacketTests {
    private static let infoHash = InfoHash(bytes: Array(1...20))!
    private static let peerID = Array("-RL0001-abcdefghijkl".utf8)

    @Test func encodesAConnectRequest() {
        #expect(UDPTrackerPacket.connectRequest(transactionID: 0x0102_0304) == [
            0x00, 0x00, 0x04, 0x17, 0x27, 0x10, 0x19, 0x80,   // protocol id 0x41727101980
            0x00, 0x00, 0x00, 0x00,                           // action: connect
            0x01, 0x02, 0x03, 0x04,                           // transaction id
        ])
    }

    @Test func encodesAnAnnounceRequest() {
        let request = AnnounceRequest(infoHash: Self.infoHash, peerID: Self.peerID, port: 6881, uploaded: 0x0300,
                                      downloaded: 0x0100, left: 0x0200, event: .started, key: 0xCAFE_BABE)
        var expected: [UInt8] = [0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88]   // connection id
        expected += [0, 0, 0, 1]                                                      // action: announce
        expected += [0xDE, 0xAD, 0xBE, 0xEF]                                          // transaction id
        expected += Array(1...20)                                                     // info-hash
        expected += Self.peerID                                                       // peer id
        expected += [0, 0, 0, 0, 0, 0, 0x01, 0x00]                                    // downloaded
        expected += [0, 0, 0, 0, 0, 0, 0x02, 0x00]                                    // left
        expected += [0, 0, 0, 0, 0, 0, 0x03, 0x00]                                    // uploaded
        expected += [0, 0, 0, 2]                                                      // event: started
        expected += [0, 0, 0, 0]                                                      // IP: the sender's
        expected += [0xCA, 0xFE, 0xBA, 0xBE]                                          // key
        expected += [0xFF, 0xFF, 0xFF, 0xFF]                                          // num_want: -1
        expected += [0x1A, 0xE1]                                                      // port 6881
        let packet = UDPTrackerPacket.announceRequest(connectionID: 0x1122_3344_5566_7788, transactionID: 0xDEAD_BEEF,
                                                      request: request)
        #expect(packet.count == 98)
        #expect(packet == expected)

        var wanting = request
        wanting.numWant = 50
        wanting.event = .none
        let second = UDPTrackerPacket.announceRequest(connectionID: 0, transactionID: 0, request: wanting)
        #expect(Array(second[80..<84]) == [0, 0, 0, 0])
        #expect(Array(second[92..<96]) == [0, 0, 0, 50])
    }

    @Test func encodesAScrapeRequest() {
        let other = InfoHash(bytes: Array(repeating: 0xEE, count: 20))!
        let packet = UDPTrackerPacket.scrapeRequest(connectionID: 7, transactionID: 9, infoHashes: [Self.infoHash, other])
        #expect(packet == [0, 0, 0, 0, 0, 0, 0, 7, 0, 0, 0, 2, 0, 0, 0, 9] + Array(1...20) + Array(repeating: 0xEE, count: 20))
        let many = Array(repeating: Self.infoHash, count: 100)
        #expect(UDPTrackerPacket.scrapeRequest(connectionID: 0, transactionID: 0, infoHashes: many).count == 16 + 74 * 20)
    }

    @Test func decodesAConnectReply() throws {
        let reply = try UDPTrackerPacket.parseReply([0, 0, 0, 0, 0, 0, 0, 5, 1, 2, 3, 4, 5, 6, 7, 8], to: .connect,
                                                   transactionID: 5)
        #expect(reply == .connected(connectionID: 0x0102_0304_0506_0708))
    }

    @Test func decodesAnnounceRepliesForBothFamilies() throws {
        let header: [UInt8] = [0, 0, 0, 1, 0, 0, 0, 9, 0, 0, 0x07, 0x08, 0, 0, 0, 3, 0, 0, 0, 4]
        let v4 = try UDPTrackerPacket.parseReply(header + [10, 0, 0, 1, 0x1A, 0xE1, 10, 0, 0, 2, 0, 0], to: .announce,
                                                transactionID: 9)
        #expect(v4 == .announced(AnnounceResponse(interval: 1800, seeders: 4, leechers: 3,
                                                  peers: [PeerEndpoint(host: "10.0.0.1", port: 6881)],
                                                  notes: ["peers: skipped 1 with port 0"])))
        let address: [UInt8] = [0xFE, 0x80] + Array(repeating: 0, count: 13) + [7]
        let v6 = try UDPTrackerPacket.parseReply(header + address + [0x1A, 0xE2], to: .announce, transactionID: 9,
                                                family: .ipv6)
        guard case .announced(let response) = v6 else {
            Issue.record("expected an announce reply, got \(v6)")
            return
        }
        #expect(response.peers == [PeerEndpoint(host: "fe80::7", port: 6882)])
    }

    @Test func decodesAScrapeReplyInRequestOrder() throws {
        let packet: [UInt8] = [0, 0, 0, 2, 0, 0, 0, 1] + [0, 0, 0, 5, 0, 0, 0, 6, 0, 0, 0, 7] + [0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 2]
        let reply = try UDPTrackerPacket.parseReply(packet, to: .scrape, transactionID: 1, scrapeCount: 2)
        #expect(reply == .scraped([ScrapeStats(seeders: 5, completed: 6, leechers: 7),
                                   ScrapeStats(seeders: 1, completed: 0, leechers: 2)]))
        #expect(throws: TrackerReplyError.packetTooShort(action: "scrape", length: 8, minimum: 20)) {
            try UDPTrackerPacket.parseReply([0, 0, 0, 2, 0, 0, 0, 1], to: .scrape, transactionID: 1, scrapeCount: 2)
        }
    }

    @Test func decodesAnErrorReplyForAnyRequest() throws {
        let packet: [UInt8] = [0, 0, 0, 3, 0, 0, 0, 4] + Array("unknown torrent".utf8)
        for action in [UDPTrackerPacket.Action.connect, .announce, .scrape] {
            #expect(try UDPTrackerPacket.parseReply(packet, to: action, transactionID: 4) == .error(message: "unknown torrent"))
        }
    }

    @Test func rejectsAnotherTransaction() {
        #expect(throws: TrackerReplyError.transactionMismatch(expected: 1, received: 2)) {
            try UDPTrackerPacket.parseReply([0, 0, 0, 0, 0, 0, 0, 2, 1, 2, 3, 4, 5, 6, 7, 8], to: .connect, transactionID: 1)
        }
        #expect(UDPTrackerPacket.transactionID(of: [0, 0, 0, 0, 0, 0, 0, 2]) == 2)
        #expect(UDPTrackerPacket.transactionID(of: [0, 0, 0]) == nil)
    }

    @Test func rejectsShortAndMismatchedReplies() {
        #expect(throws: TrackerReplyError.packetTooShort(action: "connect", length: 3, minimum: 8)) {
            try UDPTrackerPacket.parseReply([0, 0, 0], to: .connect, transactionID: 0)
        }
        #expect(throws: TrackerReplyError.packetTooShort(action: "connect", length: 12, minimum: 16)) {
            try UDPTrackerPacket.parseReply(Array(repeating: 0, count: 12), to: .connect, transactionID: 0)
        }
        #expect(throws: TrackerReplyError.packetTooShort(action: "announce", length: 8, minimum: 20)) {
            try UDPTrackerPacket.parseReply([0, 0, 0, 1, 0, 0, 0, 0], to: .announce, transactionID: 0)
        }
        #expect(throws: TrackerReplyError.unexpectedAction(0, expected: "1 (announce) or 3 (error)")) {
            try UDPTrackerPacket.parseReply(Array(repeating: 0, count: 16), to: .announce, transactionID: 0)
        }
    }

    @Test func ignoresAHugeOrOddPeerTail() throws {
        let header: [UInt8] = [0, 0, 0, 1, 0, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0, 0, 0, 0, 0]
        var peers: [UInt8] = []
        for index in 0..<100 { peers += [10, 0, 0, UInt8(index), 0, 1] }
        peers += [1, 2, 3]
        let reply = try UDPTrackerPacket.parseReply(header + peers, to: .announce, transactionID: 0, peerLimit: 50)
        guard case .announced(let response) = reply else {
            Issue.record("expected an announce reply, got \(reply)")
            return
        }
        #expect(response.interval == nil)
        #expect(response.peers.count == 50)
        #expect(response.notes == ["ignored interval 4294967295: out of range",
                                   "peers has 603 bytes, not a multiple of 6; ignored the last 3",
                                   "peers: ignored 50 past the limit of 50 peers"])
    }
}
