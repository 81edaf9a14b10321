import Bencode
import Foundation
import Testing
import TestSupport
import TorrentCore
@testable import WireProtocol

@Suite struct KRPCMessageTests {
    /// A datagram libtorrent 2.0.8 sent or answered on loopback (see Fixtures/KRPC/capture_krpc.py).
    func captured(_ name: String) throws -> [UInt8] {
        let url = try #require(Bundle.module.url(forResource: "Fixtures/KRPC/\(name)", withExtension: "bin"))
        return Array(try Data(contentsOf: url))
    }

    let ourID = NodeID(bytes: Array(1...20))!
    let otherID = NodeID(bytes: Array(21...40))!
    let hash = InfoHash(bytes: Array(41...60))!

    // MARK: - Captured from libtorrent

    @Test func decodesLibtorrentsPingResponse() throws {
        let message = try KRPCMessage(decoding: try captured("lt_response_ping"))
        #expect(message.transactionID == Array("pi".utf8))
        #expect(message.clientVersion?.prefix(2) == ArraySlice("LT".utf8))
        #expect(message.observedAddress?.host == "127.0.0.3")
        guard case .response(let response) = message.body else { Issue.record("not a response"); return }
        #expect(response.nodes.isEmpty && response.values.isEmpty && response.token == nil)
    }

    @Test func decodesLibtorrentsFindNodeResponseWithCompactNodes() throws {
        let message = try KRPCMessage(decoding: try captured("lt_response_find_node"))
        guard case .response(let response) = message.body else { Issue.record("not a response"); return }
        // libtorrent knew one node: our capture socket on 127.0.0.3.
        #expect(response.nodes.count == 1)
        #expect(response.nodes.first?.endpoint.host == "127.0.0.3")
    }

    @Test func decodesLibtorrentsGetPeersResponsesWithTokenAndValues() throws {
        let first = try KRPCMessage(decoding: try captured("lt_response_get_peers"))
        guard case .response(let noPeers) = first.body else { Issue.record("not a response"); return }
        #expect(noPeers.token?.isEmpty == false)
        #expect(noPeers.values.isEmpty)
        let second = try KRPCMessage(decoding: try captured("lt_response_get_peers_values"))
        guard case .response(let withPeers) = second.body else { Issue.record("not a response"); return }
        // The capture script announced with implied_port from 127.0.0.3, so that is the peer stored.
        #expect(withPeers.values.count == 1)
        #expect(withPeers.values.first?.host == "127.0.0.3")
    }

    @Test func decodesLibtorrentsQueries() throws {
        let getPeers = try KRPCMessage(decoding: try captured("lt_query_get_peers"))
        guard case .query(.getPeers(_, _, _)) = getPeers.body else { Issue.record("not get_peers"); return }
        let announce = try KRPCMessage(decoding: try captured("lt_query_announce_peer"))
        guard case .query(.announcePeer(_, _, let port, let implied, let token)) = announce.body else {
            Issue.record("not announce_peer")
            return
        }
        #expect(implied)
        #expect(port > 0)
        #expect(token == Array("tok12345".utf8))  // the token the capture script gave it
    }

    @Test func decodesLibtorrentsErrorForAnUnknownMethod() throws {
        let message = try KRPCMessage(decoding: try captured("lt_error_unknown_method"))
        guard case .error(let code, let text) = message.body else { Issue.record("not an error"); return }
        #expect(code == KRPCErrorCode.protocolError)
        #expect(text == "unknown message")
    }

    @Test func reencodingACapturedQueryGivesTheSameMessage() throws {
        let message = try KRPCMessage(decoding: try captured("lt_query_announce_peer"))
        let again = try KRPCMessage(decoding: message.encoded())
        #expect(again == message)
    }

    // MARK: - Round trips

    @Test func queriesRoundTrip() throws {
        let queries: [KRPCQuery] = [
            .ping(id: ourID),
            .findNode(id: ourID, target: otherID, want: [.ipv4, .ipv6]),
            .getPeers(id: ourID, infoHash: hash, want: []),
            .announcePeer(id: ourID, infoHash: hash, port: 51413, impliedPort: false, token: [1, 2, 3]),
            .announcePeer(id: ourID, infoHash: hash, port: 0, impliedPort: true, token: [9]),
        ]
        for query in queries {
            let message = KRPCMessage(transactionID: [0xAB, 0xCD], body: .query(query))
            #expect(try KRPCMessage(decoding: message.encoded()) == message)
        }
    }

    @Test func responsesWithIPv4AndIPv6NodesAndValuesRoundTrip() throws {
        let response = KRPCResponse(
            id: otherID,
            nodes: [CompactNode(id: ourID, endpoint: PeerEndpoint(host: "10.1.2.3", port: 6881))],
            nodes6: [CompactNode(id: ourID, endpoint: PeerEndpoint(host: "2001:db8::1", port: 6882))],
            values: [PeerEndpoint(host: "192.168.0.1", port: 1), PeerEndpoint(host: "::1", port: 2)],
            token: Array("secret".utf8))
        let message = KRPCMessage(transactionID: [7], body: .response(response), clientVersion: Array("RL01".utf8))
        let bytes = message.encoded()
        #expect(try KRPCMessage(decoding: bytes) == message)
        // 26 bytes per IPv4 node and 38 per IPv6 node on the wire.
        let root = try BencodeDecoder().decode(bytes)
        #expect(root["r"]?["nodes"]?.bytes?.count == 26)
        #expect(root["r"]?["nodes6"]?.bytes?.count == 38)
    }

    @Test func errorsRoundTrip() throws {
        let message = KRPCMessage(transactionID: [1, 2], body: .error(code: 204, message: "Method Unknown"))
        #expect(try KRPCMessage(decoding: message.encoded()) == message)
    }

    // MARK: - Hostile input

    @Test func garbageGivesTypedErrors() {
        #expect(throws: KRPCError.notADictionary) { try KRPCMessage(decoding: Array("li1ee".utf8)) }
        #expect(throws: KRPCError.missingField("t")) { try KRPCMessage(decoding: Array("d1:y1:qe".utf8)) }
        #expect(throws: KRPCError.unknownMessageType("z")) { try KRPCMessage(decoding: Array("d1:t1:a1:y1:ze".utf8)) }
        #expect(throws: KRPCError.badField("id", "not 20 bytes")) {
            try KRPCMessage(decoding: Array("d1:ad2:id3:abce1:q4:ping1:t1:a1:y1:qe".utf8))
        }
        #expect(throws: KRPCError.unknownMethod("vote")) {
            try KRPCMessage(decoding: Array("d1:ad2:id20:aaaaaaaaaaaaaaaaaaaae1:q4:vote1:t1:a1:y1:qe".utf8))
        }
        // nodes whose length is not a multiple of 26
        #expect(throws: KRPCError.self) {
            try KRPCMessage(decoding: Array("d1:rd2:id20:aaaaaaaaaaaaaaaaaaaa5:nodes3:abce1:t1:a1:y1:re".utf8))
        }
    }

    @Test func randomBytesAndTruncationsNeverTrap() throws {
        var generator = SeededGenerator(seed: 42)
        let valid = try captured("lt_response_get_peers_values")
        for length in 0..<valid.count {
            _ = try? KRPCMessage(decoding: Array(valid.prefix(length)))
        }
        for _ in 0..<2000 {
            var bytes = valid
            for _ in 0..<4 { bytes[Int.random(in: 0..<bytes.count, using: &generator)] = UInt8.random(in: 0...255, using: &generator) }
            _ = try? KRPCMessage(decoding: bytes)
        }
    }

    @Test func announceWithoutPortOrImpliedPortIsRejected() {
        let bytes = Array("d1:ad2:id20:aaaaaaaaaaaaaaaaaaaa9:info_hash20:bbbbbbbbbbbbbbbbbbbb5:token1:xe1:q13:announce_peer1:t1:a1:y1:qe".utf8)
        #expect(throws: KRPCError.missingField("port")) { try KRPCMessage(decoding: bytes) }
    }
}

