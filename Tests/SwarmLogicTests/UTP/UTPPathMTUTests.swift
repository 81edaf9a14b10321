import Testing
@testable import SwarmLogic
import WireProtocol

@Suite struct UTPPathMTUTests {
    /// Runs the search against a path that carries payloads up to `pathLimit`; returns the sizes probed.
    private func search(_ mtu: inout UTPPathMTU, pathLimit: Int) -> [Int] {
        var probes: [Int] = []
        while let size = mtu.nextProbe, probes.count < 64 {
            probes.append(size)
            mtu.probeSent(size)
            if size <= pathLimit { mtu.probeAcknowledged(size) } else { mtu.probeLost(size) }
        }
        return probes
    }

    @Test func binarySearchSettlesJustBelowThePathLimit() {
        var mtu = UTPPathMTU(ceiling: 8_952)
        #expect(mtu.packetSize == 1400)
        let probes = search(&mtu, pathLimit: 4_000)
        #expect(mtu.isSettled)
        #expect(mtu.packetSize <= 4_000 && mtu.packetSize > 4_000 - UTPPathMTU.precision)
        let midpoint: Int = (1400 + 8_952 + 1) / 2
        #expect(probes.first == midpoint)   // the first probe halves the range
        #expect(probes.count <= 10)   // log2(7,552 / 16) ≈ 9
    }

    @Test func aPathThatCarriesTheCeilingEndsThere() {
        var mtu = UTPPathMTU(ceiling: 65_000)
        _ = search(&mtu, pathLimit: 100_000)
        #expect(mtu.packetSize > 65_000 - UTPPathMTU.precision && mtu.packetSize <= 65_000)
    }

    @Test func noProbingWhenTheCeilingIsTheFloor() {
        let mtu = UTPPathMTU(ceiling: 1400)
        #expect(mtu.isSettled && mtu.nextProbe == nil && mtu.packetSize == 1400)
        // A ceiling under the safe payload (a small interface MTU) lowers the packet size instead.
        #expect(UTPPathMTU(ceiling: 1200).packetSize == 1200)
    }

    @Test func oneProbeAtATime() {
        var mtu = UTPPathMTU(ceiling: 9000)
        let first = mtu.nextProbe
        #expect(first != nil)
        mtu.probeSent(first!)
        #expect(mtu.nextProbe == nil)
        mtu.probeLost(first!)
        #expect(mtu.ceiling == first! - 1 && mtu.nextProbe != nil)
    }

    @Test func tooBigForThePacketSizeItselfStartsOverFromTheMinimum() {
        var mtu = UTPPathMTU(ceiling: 9000)
        _ = search(&mtu, pathLimit: 9000)
        let settled = mtu.packetSize
        mtu.packetTooBig(settled)   // a route change: the path now carries less
        #expect(mtu.packetSize == UTPPathMTU.minimumPayload)
        #expect(mtu.ceiling == settled - 1)
        _ = search(&mtu, pathLimit: 1200)
        #expect(mtu.packetSize <= 1200 && mtu.packetSize > 1200 - UTPPathMTU.precision)
    }

    // MARK: - In a connection

    private func probingConfiguration() -> UTPConnection.Configuration {
        var configuration = UTPConnection.Configuration()
        configuration.packetSizeCeiling = 8_000
        return configuration
    }

    @Test func aConnectionFindsThePathMTUWithoutLosingBytesOrSlowStart() {
        var link = UTPLink(configuration: probingConfiguration())
        // The path drops probes over 5,000 payload bytes (sent with "don't fragment"); their resends
        // go without it and arrive fragmented.
        var dropped: Set<UInt16> = []
        link.fate = { _, packet in
            guard packet.payload.count > 5_000, dropped.insert(packet.sequenceNumber).inserted else { return [.zero] }
            return []
        }
        let up = pattern(3_000_000)
        link.writeFromA(up)
        #expect(link.run(for: .seconds(60)) { $0.deliveredToB.count >= up.count })
        #expect(link.deliveredToB == up)
        #expect(!dropped.isEmpty)
        #expect(link.a.pathMTU.isSettled)
        #expect(link.a.pathMTU.packetSize <= 5_000 && link.a.pathMTU.packetSize > 5_000 - UTPPathMTU.precision)
        // The lost probes were not taken for congestion: the window never halved.
        #expect(link.a.congestion.isInSlowStart)
    }

    @Test func probesAreOnlySentWhenThereIsEnoughToFillThem() {
        var link = UTPLink(configuration: probingConfiguration())
        link.writeFromA(pattern(1000))
        #expect(link.run(for: .seconds(5)) { $0.deliveredToB.count >= 1000 })
        #expect(link.a.pathMTU.floor == 1400 && link.a.probeSequence == nil)
    }

    @Test func aProbeRefusedAsTooBigIsResentAtOnceAndLowersTheCeiling() {
        var connection = UTPConnection(connectingWith: 9, initialSequence: 100, at: .seconds(0),
                                       configuration: probingConfiguration())
        var events: [UTPEvent] = []
        let syn = connection.flush(at: .seconds(0))[0]
        let reply = UTPPacket(type: .state, connectionID: 9, timestamp: 1, windowSize: 1 << 20,
                              sequenceNumber: 500, ackNumber: syn.sequenceNumber)
        _ = connection.receive(reply, at: .seconds(0.01), events: &events)
        connection.write(pattern(20_000))
        let first = connection.flush(at: .seconds(0.02))
        let probe = try! #require(first.first { $0.sequenceNumber == connection.probeSequence })
        #expect(probe.payload.count > 1400)
        connection.probeTooBig(sequenceNumber: probe.sequenceNumber)
        #expect(connection.pathMTU.ceiling == probe.payload.count - 1)
        #expect(connection.probeSequence == nil)
        let again = connection.flush(at: .seconds(0.03))
        #expect(again.contains { $0.sequenceNumber == probe.sequenceNumber && $0.payload == probe.payload })
    }
}
