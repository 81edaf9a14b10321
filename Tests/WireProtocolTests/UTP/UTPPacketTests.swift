import Foundation
import Testing
@testable import WireProtocol

@Suite struct UTPPacketTests {
    /// A datagram libtorrent 2.0.8 sent over uTP on loopback (see Fixtures/UTP/capture.py).
    private func captured(_ name: String) throws -> [UInt8] {
        let url = try #require(Bundle.module.url(forResource: "Fixtures/UTP/libtorrent-\(name)", withExtension: "bin"))
        return try [UInt8](Data(contentsOf: url))
    }

    @Test func readsLibtorrentsSynAndTheReplyThatAcceptsIt() throws {
        let syn = try UTPPacket(decoding: captured("leecher-syn"))
        let reply = try UTPPacket(decoding: captured("seeder-state"))
        #expect(syn.type == .syn && reply.type == .state)
        #expect(syn.payload.isEmpty && reply.payload.isEmpty)
        // The acceptor answers on the SYN's connection id and acknowledges its sequence number.
        #expect(reply.connectionID == syn.connectionID)
        #expect(reply.ackNumber == syn.sequenceNumber)
        #expect(reply.windowSize > 0)
    }

    @Test func readsDataFromBothSidesWithTheirConnectionIDs() throws {
        let syn = try UTPPacket(decoding: captured("leecher-syn"))
        let state = try UTPPacket(decoding: captured("seeder-state"))
        let fromLeecher = try UTPPacket(decoding: captured("leecher-data"))
        let fromSeeder = try UTPPacket(decoding: captured("seeder-data"))
        #expect(fromLeecher.connectionID == syn.connectionID &+ 1)
        #expect(fromSeeder.connectionID == syn.connectionID)
        // The SYN and the first data packet take consecutive sequence numbers; a state packet takes none.
        #expect(fromLeecher.sequenceNumber == syn.sequenceNumber &+ 1)
        #expect(fromSeeder.sequenceNumber == state.sequenceNumber)
        // Each payload starts a peer-wire frame or handshake: libtorrent opens encrypted, 4-byte lengths follow.
        #expect(fromLeecher.payload.count == 546 - 20)
        #expect(fromSeeder.payload.count == 375 - 20)
    }

    @Test func readsLibtorrentsByteSizedSelectiveAck() throws {
        let packet = try UTPPacket(decoding: captured("leecher-state-sack"))
        let mask = try #require(packet.selectiveAck)
        #expect(packet.type == .state)
        #expect(mask.bytes.count == 1)
        #expect(mask.receivedOffsets == [0])
    }

    @Test func skipsAnExtensionItDoesNotKnow() throws {
        // libtorrent's FIN carries its close-reason extension (type 3).
        let fin = try UTPPacket(decoding: captured("leecher-fin"))
        #expect(fin.type == .fin)
        #expect(fin.selectiveAck == nil && fin.payload.isEmpty)
    }

    @Test func encodesEveryCapturedPacketBackToItsBytes() throws {
        for name in ["leecher-syn", "seeder-state", "leecher-data", "seeder-data", "leecher-state", "seeder-fin"] {
            let bytes = try captured(name)
            #expect(try UTPPacket(decoding: bytes).encoded() == bytes, "\(name)")
        }
    }

    @Test func roundTripsASelectiveAckAcrossWordBoundaries() throws {
        let mask = UTPSelectiveAck(bitCount: 40, received: [0, 7, 8, 31, 32, 39])
        let packet = UTPPacket(type: .state, connectionID: 0xFFFF, timestamp: 0xDEAD_BEEF, timestampDifference: 7,
                               windowSize: 1 << 20, sequenceNumber: 0xFFFF, ackNumber: 0, selectiveAck: mask)
        let bytes = packet.encoded()
        #expect(bytes.count == 20 + 2 + 8)
        let decoded = try UTPPacket(decoding: bytes)
        #expect(decoded == packet)
        #expect(decoded.selectiveAck?.receivedOffsets == [0, 7, 8, 31, 32, 39])
    }

    @Test func refusesShortWrongVersionAndUnknownTypeDatagrams() throws {
        let good = try captured("leecher-state")
        #expect(throws: UTPPacketError.truncated(length: 19)) { try UTPPacket(decoding: good.prefix(19)) }
        var version2 = good
        version2[0] = 0x22
        #expect(throws: UTPPacketError.unsupportedVersion(2)) { try UTPPacket(decoding: version2) }
        var type9 = good
        type9[0] = 0x91
        #expect(throws: UTPPacketError.unknownType(9)) { try UTPPacket(decoding: type9) }
        var extensionPastTheEnd = good
        extensionPastTheEnd[1] = 1
        extensionPastTheEnd += [0, 8, 0xFF]
        #expect(throws: UTPPacketError.truncated(length: 23)) { try UTPPacket(decoding: extensionPastTheEnd) }
    }

    @Test func neverTrapsOnRandomOrTruncatedDatagrams() throws {
        var generator = SystemRandomNumberGenerator()
        let seeds = try ["leecher-data", "leecher-state-sack", "leecher-fin"].map(captured)
        var parsed = 0
        for round in 0..<5000 {
            var bytes = seeds[round % seeds.count]
            bytes = Array(bytes.prefix(Int.random(in: 0...bytes.count, using: &generator)))
            for _ in 0..<Int.random(in: 0...4, using: &generator) where !bytes.isEmpty {
                bytes[Int.random(in: 0..<bytes.count, using: &generator)] = .random(in: 0...255, using: &generator)
            }
            if let packet = try? UTPPacket(decoding: bytes) {
                parsed += 1
                #expect(packet.payload.count <= bytes.count - UTPPacket.headerLength)
            }
        }
        #expect(parsed > 0)
    }
}
