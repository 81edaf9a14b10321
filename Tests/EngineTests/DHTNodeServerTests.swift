import Bencode
@testable import Engine
import Foundation
import Testing
import TestSupport
import TorrentCore
import WireProtocol

/// A DHT node as a server: what it answers to real datagrams, hostile ones included.
@Suite struct DHTNodeServerTests {
    let probeID = NodeID(bytes: Array(repeating: 0x42, count: 20))!
    let hash = InfoHash(bytes: Array(101...120))!

    func query(_ query: KRPCQuery, id: UInt8) -> [UInt8] {
        KRPCMessage(transactionID: [id], body: .query(query)).encoded()
    }

    func decoded(_ datagrams: [[UInt8]]) -> [UInt8: KRPCMessage] {
        var out: [UInt8: KRPCMessage] = [:]
        for datagram in datagrams {
            if let message = try? KRPCMessage(decoding: datagram), let id = message.transactionID.first {
                out[id] = message
            }
        }
        return out
    }

    @Test func answersAnnouncesOnlyWithItsTokenAndThenServesThePeer() async throws {
        let node = try await DHTSessionTests.dhtSession(host: "127.0.0.61", bootstrap: [])
        let port = try #require(await node.dhtPort)
        let probe = try UDPProbe(host: "127.0.0.62")
        probe.send(query(.getPeers(id: probeID, infoHash: hash, want: []), id: 1), to: "127.0.0.61", port: port)
        let first = decoded(probe.receiveAll())
        guard case .response(let tokenReply)? = first[1]?.body, let token = tokenReply.token else {
            Issue.record("no get_peers answer with a token")
            await node.shutdown()
            return
        }
        #expect(tokenReply.values.isEmpty)
        // A made-up token is refused; the real one is taken, with the UDP source port as the peer's.
        probe.send(query(.announcePeer(id: probeID, infoHash: hash, port: 1, impliedPort: false, token: [9, 9]), id: 2),
                   to: "127.0.0.61", port: port)
        probe.send(query(.announcePeer(id: probeID, infoHash: hash, port: 0, impliedPort: true, token: token), id: 3),
                   to: "127.0.0.61", port: port)
        let replies = decoded(probe.receiveAll())
        guard case .error(let code, _)? = replies[2]?.body else {
            Issue.record("a bad token was not refused")
            await node.shutdown()
            return
        }
        #expect(code == KRPCErrorCode.protocolError)
        guard case .response? = replies[3]?.body else {
            Issue.record("the announce with a good token was not answered")
            await node.shutdown()
            return
        }
        // Someone else asking now gets the announced peer (127.0.0.62 and the probe's UDP port).
        let other = try UDPProbe(host: "127.0.0.63")
        other.send(query(.getPeers(id: probeID, infoHash: hash, want: []), id: 4), to: "127.0.0.61", port: port)
        guard case .response(let peersReply)? = decoded(other.receiveAll())[4]?.body else {
            Issue.record("no second get_peers answer")
            await node.shutdown()
            return
        }
        #expect(peersReply.values.count == 1)
        #expect(peersReply.values.first?.host == "127.0.0.62")
        // The token of one address does not work from another.
        other.send(query(.announcePeer(id: probeID, infoHash: hash, port: 5, impliedPort: false, token: token), id: 5),
                   to: "127.0.0.61", port: port)
        guard case .error? = decoded(other.receiveAll())[5]?.body else {
            Issue.record("a token was accepted from another address")
            await node.shutdown()
            return
        }
        await node.shutdown()
    }

    @Test func survivesGarbageAndAnswersUnknownMethodsWithAnError() async throws {
        let node = try await DHTSessionTests.dhtSession(host: "127.0.0.64", bootstrap: [])
        let port = try #require(await node.dhtPort)
        let probe = try UDPProbe(host: "127.0.0.65")
        var generator = SystemRandomNumberGenerator()
        let valid = query(.findNode(id: probeID, target: probeID, want: [.ipv4, .ipv6]), id: 7)
        for round in 0..<300 {
            var bytes: [UInt8]
            switch round % 3 {
            case 0: bytes = (0..<Int.random(in: 0...1400, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
            case 1: bytes = Array(valid.prefix(Int.random(in: 0..<valid.count, using: &generator)))
            default:
                bytes = valid
                bytes[Int.random(in: 0..<bytes.count, using: &generator)] = UInt8.random(in: 0...255, using: &generator)
            }
            probe.send(bytes, to: "127.0.0.64", port: port)
        }
        _ = probe.receiveAll()
        try await Task.sleep(for: .seconds(1.1))  // let the rate limit refill
        probe.send(Array("d1:ad2:id20:\(String(repeating: "a", count: 20))e1:q4:vote1:t1:x1:y1:qe".utf8), to: "127.0.0.64", port: port)
        probe.send(query(.ping(id: probeID), id: 8), to: "127.0.0.64", port: port)
        let replies = decoded(probe.receiveAll())
        guard case .error(let code, _)? = replies[Array("x".utf8)[0]]?.body else {
            Issue.record("an unknown method got no error")
            await node.shutdown()
            return
        }
        #expect(code == KRPCErrorCode.methodUnknown)
        guard case .response(let pong)? = replies[8]?.body else {
            Issue.record("the node stopped answering after garbage")
            await node.shutdown()
            return
        }
        #expect(pong.id != probeID)
        await node.shutdown()
    }

    @Test func aFloodFromOneAddressIsNotAnsweredInFull() async throws {
        let node = try await DHTSessionTests.dhtSession(host: "127.0.0.66", bootstrap: [])
        let port = try #require(await node.dhtPort)
        let probe = try UDPProbe(host: "127.0.0.67")
        let ping = query(.ping(id: probeID), id: 1)
        for _ in 0..<500 { probe.send(ping, to: "127.0.0.66", port: port) }
        let answers = probe.receiveAll().count
        // 20 per second with a burst of 40: far fewer than 500 however slow this machine is.
        #expect(answers >= 1)
        #expect(answers <= 100)
        await node.shutdown()
    }
}
