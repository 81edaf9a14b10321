import Testing
@testable import SwarmLogic
import WireProtocol

@Suite struct UTPConnectionTests {
    /// Connects, then sends `aToB` from A and `bToA` from B; true when both arrived within `limit`.
    private func transfers(_ link: inout UTPLink, aToB: [UInt8], bToA: [UInt8] = [],
                           within limit: Duration = .seconds(60)) -> Bool {
        link.writeFromA(aToB)
        guard link.run(for: .seconds(5), until: { $0.b != nil && $0.a.state == .connected }) else { return false }
        link.writeFromB(bToA)
        let wantB = link.deliveredToB.count + aToB.count, wantA = link.deliveredToA.count + bToA.count
        return link.run(for: limit) { $0.deliveredToB.count >= wantB && $0.deliveredToA.count >= wantA }
    }

    @Test func connectsAndCarriesBytesBothWaysInOrder() {
        var link = UTPLink()
        let up = pattern(200_000), down = pattern(70_000, seed: 9)
        #expect(transfers(&link, aToB: up, bToA: down))
        #expect(link.deliveredToB == up)
        #expect(link.deliveredToA == down)
        #expect(link.eventsOfA == [.connected])
        #expect(link.a.state == .connected && link.b?.state == .connected)
        #expect(link.b?.receiveID == link.a.sendID && link.b?.sendID == link.a.receiveID)
    }

    @Test func repairsLossWithSelectiveAcksAndTimeouts() {
        var link = UTPLink()
        // Lose every ninth packet A sends (each only the first time it is sent) and one of B's acks in five.
        var lost: Set<UInt16> = []
        link.fate = { index, packet in
            guard packet.type == .data, index % 9 == 4, lost.insert(packet.sequenceNumber).inserted else { return [.zero] }
            return []
        }
        link.fateOfB = { index, _ in index % 5 == 3 ? [] : [.zero] }
        let up = pattern(300_000)
        #expect(transfers(&link, aToB: up))
        #expect(link.deliveredToB == up)
        #expect(!lost.isEmpty)
    }

    @Test func reassemblesReorderedAndDuplicatedPackets() {
        var link = UTPLink()
        link.fate = { index, _ in
            switch index % 6 {
            case 1: [.milliseconds(30)]                // overtaken by the next few
            case 3: [.zero, .milliseconds(3)]          // duplicated
            default: [.zero]
            }
        }
        let up = pattern(150_000)
        #expect(transfers(&link, aToB: up))
        #expect(link.deliveredToB == up)
    }

    @Test func sequenceNumbersWrapAround() {
        var link = UTPLink(initialSequence: 0xFFF0)
        link.initialSequenceOfB = 0xFFFE
        let up = pattern(100_000), down = pattern(40_000, seed: 3)
        #expect(transfers(&link, aToB: up, bToA: down))
        #expect(link.deliveredToB == up && link.deliveredToA == down)
    }

    @Test func aSynWithoutAnswerGivesUpAfterOneSecond() {
        var connection = UTPConnection(connectingWith: 7, initialSequence: 1, at: .seconds(0))
        var events: [UTPEvent] = []
        var syns: [SwarmInstant] = []
        var now = SwarmInstant.seconds(0)
        while now < .seconds(10), events.isEmpty {
            connection.tick(at: now, events: &events)
            for packet in connection.flush(at: now) where packet.type == .syn {
                #expect(packet.connectionID == 7)
                syns.append(now)
            }
            now = now.advanced(by: .milliseconds(10))
        }
        #expect(events == [.closed(.timedOut)])
        #expect(syns.count == 1)
        #expect(now > .seconds(0.99) && now < .seconds(1.2))
    }

    @Test func aResetEndsTheConnectionAndLaterPacketsAreIgnored() {
        var link = UTPLink()
        #expect(transfers(&link, aToB: pattern(5000)))
        var events: [UTPEvent] = []
        let reset = UTPPacket(type: .reset, connectionID: link.a.receiveID)
        _ = link.a.receive(reset, at: link.now, events: &events)
        #expect(events == [.closed(.reset)])
        #expect(link.a.state == .closed)
        let late = UTPPacket(type: .data, connectionID: link.a.receiveID, sequenceNumber: 0x7000,
                             ackNumber: 1000, payload: [1, 2, 3])
        #expect(link.a.receive(late, at: link.now, events: &events).isEmpty)
        #expect(link.a.flush(at: link.now).isEmpty)
    }

    @Test func ignoresAPacketThatAcknowledgesWhatWasNeverSent() {
        var link = UTPLink()
        #expect(transfers(&link, aToB: pattern(5000)))
        var events: [UTPEvent] = []
        // B's next data packet, but acking 500 packets A never sent: garbage, not delivered.
        let forged = UTPPacket(type: .data, connectionID: link.a.receiveID, windowSize: 1 << 20,
                               sequenceNumber: 0x7000, ackNumber: 1000 &+ 500, payload: [9, 9, 9])
        #expect(link.a.receive(forged, at: link.now, events: &events).isEmpty)
        #expect(events.isEmpty && link.a.state == .connected)
    }

    @Test func finishesWithFinBothWaysAfterTheLastByte() {
        var link = UTPLink()
        let up = pattern(50_000)
        #expect(transfers(&link, aToB: up))
        link.a.close()
        #expect(link.run(for: .seconds(10)) { $0.eventsOfB.contains(.endOfStream) })
        #expect(link.deliveredToB == up)
        link.b?.close()
        #expect(link.run(for: .seconds(10)) { link in
            link.eventsOfA.contains(.closed(.finished)) && link.eventsOfB.contains(.closed(.finished))
        })
        #expect(link.eventsOfA.contains(.endOfStream))
    }

    @Test func waitsOnAZeroWindowThenProbesWithOnePacket() {
        var link = UTPLink()
        #expect(transfers(&link, aToB: pattern(1000)))
        var events: [UTPEvent] = []
        let closedWindow = UTPPacket(type: .state, connectionID: link.a.receiveID, windowSize: 0,
                                     sequenceNumber: 0x7000, ackNumber: 1000)
        _ = link.a.receive(closedWindow, at: link.now, events: &events)
        link.a.write(pattern(10_000))
        #expect(link.a.flush(at: link.now).isEmpty)
        link.a.tick(at: link.now.advanced(by: .milliseconds(100)), events: &events)
        #expect(link.a.flush(at: link.now.advanced(by: .milliseconds(100))).isEmpty)
        let later = link.now.advanced(by: .seconds(2))
        link.a.tick(at: later, events: &events)
        let probe = link.a.flush(at: later)
        #expect(probe.count == 1 && probe.first?.type == .data)
        #expect(events.isEmpty)
    }

    @Test func keepsAnIdleConnectionAliveAndDropsADeadOne() {
        var link = UTPLink()
        #expect(transfers(&link, aToB: pattern(1000)))
        link.run(for: .seconds(1)) { _ in false }   // the last acks arrive
        var events: [UTPEvent] = []
        let quiet = link.now.advanced(by: .seconds(30))
        link.a.tick(at: quiet, events: &events)
        let keepAlive = link.a.flush(at: quiet)
        #expect(keepAlive.map(\.type) == [.state])
        let dead = link.now.advanced(by: .seconds(61))
        link.a.tick(at: dead, events: &events)
        #expect(events == [.closed(.idle)])
    }

    @Test func boundsTheReorderBufferByTheAdvertisedWindow() {
        var configuration = UTPConnection.Configuration()
        configuration.receiveWindow = 64 << 10
        let syn = UTPPacket(type: .syn, connectionID: 40, sequenceNumber: 100)
        var connection = UTPConnection(accepting: syn, initialSequence: 1, at: .zero, configuration: configuration)
        var events: [UTPEvent] = []
        // A flood of packets after a gap: only what fits the window is kept.
        for offset in 2..<2000 {
            let packet = UTPPacket(type: .data, connectionID: 41, timestamp: 5, windowSize: 1 << 20,
                                   sequenceNumber: UInt16(100 + offset), ackNumber: 0, payload: pattern(1000))
            #expect(connection.receive(packet, at: .zero, events: &events).isEmpty)
        }
        let acks = connection.flush(at: .zero)
        #expect(acks.count == 1)
        #expect(acks.first.map { Int($0.windowSize) } ?? -1 < 1000)
        #expect(acks.first?.selectiveAck?.isReceived(offset: 0) == true)
        let gap = UTPPacket(type: .data, connectionID: 41, windowSize: 1 << 20, sequenceNumber: 101, ackNumber: 0,
                            payload: pattern(1000))
        let delivered = connection.receive(gap, at: .zero, events: &events)
        #expect(delivered.count == 1000 * (1 + (64 << 10) / 1000))
    }
}
