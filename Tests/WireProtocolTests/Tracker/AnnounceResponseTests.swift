import Bencode
import Testing
import TorrentCore
@testable import WireProtocol

@Suite struct TrackerAnnounceResponseTests {
    private func parse(_ entries: [String: BencodeValue]) throws -> AnnounceResponse {
        try AnnounceResponse.parse(BencodeValue.dict(entries).encoded())
    }

    private func compact(_ peers: [([UInt8], UInt16)]) -> BencodeValue {
        .bytes(peers.flatMap { $0.0 + [UInt8($0.1 >> 8), UInt8($0.1 & 0xFF)] })
    }

    @Test func readsACompactReply() throws {
        let reply = try parse([
            "interval": .integer(1800), "min interval": .integer(900), "complete": .integer(5),
            "incomplete": .integer(7), "tracker id": .string("abc"),
            "peers": compact([([10, 0, 0, 1], 6881), ([192, 168, 1, 20], 51413)]),
        ])
        #expect(reply.interval == 1800)
        #expect(reply.minInterval == 900)
        #expect(reply.seeders == 5)
        #expect(reply.leechers == 7)
        #expect(reply.trackerID == Array("abc".utf8))
        #expect(reply.warning == nil)
        #expect(reply.peers == [PeerEndpoint(host: "10.0.0.1", port: 6881), PeerEndpoint(host: "192.168.1.20", port: 51413)])
        #expect(reply.notes.isEmpty)
    }

    @Test func readsANonCompactReply() throws {
        let reply = try parse([
            "interval": .integer(60),
            "peers": .list([
                .dict(["ip": .string("10.0.0.2"), "port": .integer(6881), "peer id": .bytes(Array(repeating: 0x41, count: 20))]),
                .dict(["ip": .string("2001:DB8:0:0:0:0:0:1"), "port": .integer(6882)]),
                .dict(["ip": .string("Peer.Example.ORG"), "port": .integer(6883)]),
                .dict(["ip": .string("10.0.0.3")]),                                  // no port
                .dict(["ip": .string("10.0.0.4"), "port": .integer(70000)]),         // port out of range
                .dict(["ip": .string("10.0.0.5"), "port": .integer(0)]),             // port 0
                .dict(["ip": .string("not an ip!"), "port": .integer(1)]),
                .integer(3),
            ]),
        ])
        #expect(reply.peers == [
            PeerEndpoint(host: "10.0.0.2", port: 6881),
            PeerEndpoint(host: "2001:db8::1", port: 6882),
            PeerEndpoint(host: "peer.example.org", port: 6883),
        ])
        #expect(reply.notes == ["peers: skipped 4 entries without a valid ip and port", "peers: skipped 1 with port 0"])
    }

    @Test func readsPeers6AlongsidePeers() throws {
        let v6: [UInt8] = [0x20, 0x01, 0x0D, 0xB8] + Array(repeating: 0, count: 11) + [1]
        let mapped: [UInt8] = Array(repeating: 0, count: 10) + [0xFF, 0xFF, 1, 2, 3, 4]
        let reply = try parse([
            "interval": .integer(1800),
            "peers": compact([([127, 0, 0, 2], 6881)]),
            "peers6": compact([(v6, 6881), (mapped, 80)]),
        ])
        #expect(reply.peers.map(\.description) == ["127.0.0.2:6881", "[2001:db8::1]:6881", "[::ffff:1.2.3.4]:80"])
    }

    @Test func turnsFailureReasonIntoATypedError() {
        #expect(throws: TrackerReplyError.failure(reason: "unregistered torrent")) {
            try parse(["failure reason": .string("unregistered torrent"), "interval": .integer(5)])
        }
        #expect(TrackerReplyError.failure(reason: "x").description == "tracker said: x")
    }

    @Test func keepsAWarningMessageWithTheReply() throws {
        let reply = try parse(["interval": .integer(1800), "warning message": .string("slow down\n"), "peers": .bytes([])])
        #expect(reply.warning == "slow down")
        #expect(reply.peers.isEmpty)
    }

    // MARK: - Hostile replies

    @Test func ignoresATrailingPartialCompactEntry() throws {
        let reply = try parse(["peers": .bytes([10, 0, 0, 1, 0x1A, 0xE1, 10, 0, 0, 2, 0x1A, 0xE1, 9, 9])])
        #expect(reply.peers.count == 2)
        #expect(reply.notes == ["peers has 14 bytes, not a multiple of 6; ignored the last 2"])
    }

    @Test func capsHugePeerLists() throws {
        let many = (0..<3000).map { index -> ([UInt8], UInt16) in ([10, 1, UInt8(index >> 8), UInt8(index & 0xFF)], 6881) }
        let reply = try parse(["peers": compact(many)])
        #expect(reply.peers.count == AnnounceResponse.defaultPeerLimit)
        #expect(reply.notes == ["peers: ignored 1000 past the limit of 2000 peers"])
        let small = try AnnounceResponse.parse(BencodeValue.dict(["peers": compact(many)]).encoded(), peerLimit: 10)
        #expect(small.peers.count == 10)
    }

    @Test func skipsPortZeroAndDuplicates() throws {
        let reply = try parse(["peers": compact([([1, 1, 1, 1], 0), ([2, 2, 2, 2], 80), ([2, 2, 2, 2], 80)])])
        #expect(reply.peers == [PeerEndpoint(host: "2.2.2.2", port: 80)])
        #expect(reply.notes == ["peers: skipped 1 with port 0", "peers: skipped 1 duplicates"])
    }

    @Test func ignoresOutOfRangeNumbers() throws {
        let reply = try parse(["interval": .integer(-5), "min interval": .integer(1 << 40), "complete": .string("many")])
        #expect(reply.interval == nil)
        #expect(reply.minInterval == nil)
        #expect(reply.seeders == nil)
        #expect(reply.notes.count == 3)
    }

    @Test func rejectsRepliesThatAreNotDictionaries() throws {
        #expect(throws: TrackerReplyError.notADictionary) { try AnnounceResponse.parse(Array("le".utf8)) }
        let error = try #require(throws: TrackerReplyError.self) { try AnnounceResponse.parse(Array("<html>".utf8)) }
        guard case .notBencode = error else {
            Issue.record("expected notBencode, got \(error)")
            return
        }
        #expect(throws: TrackerReplyError.wrongFieldType(field: "failure reason", expected: "a string")) {
            try parse(["failure reason": .integer(1)])
        }
    }

    @Test func ignoresPeersOfTheWrongType() throws {
        let reply = try parse(["peers": .integer(4), "peers6": .list([])])
        #expect(reply.peers.isEmpty)
        #expect(reply.notes == ["ignored peers: neither a string nor a list", "ignored peers6: not a string"])
    }

    @Test func sanitisesTrackerText() throws {
        let error = try #require(throws: TrackerReplyError.self) {
            try parse(["failure reason": .bytes(Array("bad\u{1B}[31m ".utf8) + [0xFF] + Array(repeating: 0x41, count: 1000))])
        }
        guard case .failure(let reason) = error else {
            Issue.record("expected failure, got \(error)")
            return
        }
        #expect(reason.hasPrefix("bad [31m \u{FFFD}AAA"))
        #expect(reason.count == 300)
    }
}
