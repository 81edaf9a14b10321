// UTPConnection, stateful: the input picks limits and a side (connecting, or accepting a SYN), then a
// script of steps: a packet from the peer (built near the sequence and ack numbers in play, or a raw
// datagram through the codec), bytes written, a flush, time passing with a tick, a close, or a
// "too big" report for a path MTU probe. After every step the connection must keep its buffers
// within its limits, send only packets that make sense (its own connection id, acks that never go
// backwards, new data numbered one after the other, payloads within the path MTU search), and the
// bytes it delivers must be the peer's packets in sequence order, each whole, none twice.
import FuzzSupport
import SwarmLogic
import WireProtocol

/// The payload the modelled peer sends under sequence number `sequence` (every resend the same).
func payload(for sequence: UInt16) -> [UInt8] {
    [UInt8](repeating: UInt8(truncatingIfNeeded: sequence), count: 1 + Int(sequence % 23))
}

/// Whether `later` is at or after `earlier` on the wrapping 16-bit sequence space.
func isAtOrAfter(_ later: UInt16, _ earlier: UInt16) -> Bool {
    later &- earlier < 0x8000
}

struct Run {
    var input: FuzzInput
    var connection: UTPConnection
    let configuration: UTPConnection.Configuration
    var now = SwarmInstant.seconds(50)
    var events: [UTPEvent] = []
    /// The next sequence number whose payload the connection must deliver.
    var expectedSequence: UInt16 = 0
    /// False once a raw datagram or an early ack reply made the delivered bytes unpredictable.
    var modelHolds = true
    var written = 0
    var lastAckSent: UInt16?
    var highestDataSent: UInt16?
    var synSequence: UInt16?

    /// A packet from the peer, its numbers near the ones in play.
    mutating func peerPacket() -> UTPPacket {
        let kind = input.byte()
        let type: UTPPacketType = [.data, .data, .state, .fin, .reset, .syn][Int(kind % 6)]
        let sequence = kind & 0x40 != 0 ? input.uint16() : expectedSequence &+ UInt16(truncatingIfNeeded: Int(input.byte() % 40) - 4)
        var ack = highestDataSent ?? synSequence ?? 0
        switch input.byte() % 4 {
        case 0: break
        case 1: ack &-= UInt16(input.byte() % 8)
        case 2: ack &+= UInt16(input.byte() % 4)
        default: ack = input.uint16()
        }
        var packet = UTPPacket(type: type, connectionID: kind & 0x80 != 0 ? input.uint16() : connection.receiveID,
                               timestamp: input.uint32(), timestampDifference: kind & 0x20 != 0 ? input.uint32() : 0,
                               windowSize: kind & 0x10 != 0 ? UInt32(input.uint16()) << 4 : 1 << 20,
                               sequenceNumber: sequence, ackNumber: ack)
        if input.bool() { packet.selectiveAck = UTPSelectiveAck(bytes: input.take(Int(input.byte() % 9))) }
        if type == .data { packet.payload = payload(for: sequence) }
        return packet
    }

    /// Feeds one packet and checks what it delivers.
    mutating func receive(_ packet: UTPPacket) {
        let wasSynSent = connection.state == .synSent
        var delivered = connection.receive(packet, at: now, events: &events)[...]
        if wasSynSent, connection.state != .synSent, packet.type == .state {
            expectedSequence = packet.sequenceNumber   // the acceptor numbers its data from here
        }
        guard modelHolds else { return }
        while !delivered.isEmpty {
            let next = payload(for: expectedSequence)
            expect(delivered.starts(with: next), "delivered bytes are not packet \(expectedSequence)'s payload")
            delivered = delivered.dropFirst(next.count)
            expectedSequence &+= 1
        }
    }

    /// Flushes and checks every packet that goes out.
    mutating func flush() {
        let packets = connection.flush(at: now)
        if connection.state == .closed { expect(packets.count <= 1, "a closed connection sent \(packets.count)") }
        for packet in packets {
            if packet.type == .syn {
                expect(packet.connectionID == connection.receiveID, "a SYN not on the receive id")
                synSequence = packet.sequenceNumber
                continue
            }
            expect(packet.connectionID == connection.sendID, "a packet not on the send id")
            expect(Int(packet.windowSize) <= configuration.receiveWindow, "advertised more than the receive window")
            if packet.type != .reset, connection.state != .closed {
                if let last = lastAckSent {
                    expect(isAtOrAfter(packet.ackNumber, last), "the ack went back from \(last) to \(packet.ackNumber)")
                }
                lastAckSent = packet.ackNumber
            }
            guard packet.type == .data || packet.type == .fin else { continue }
            let limit = max(configuration.packetSize, configuration.packetSizeCeiling)
            expect(packet.payload.count <= limit, "a \(packet.payload.count)-byte payload over the \(limit)-byte ceiling")
            if let highest = highestDataSent, !isAtOrAfter(highest, packet.sequenceNumber) {
                expect(packet.sequenceNumber == highest &+ 1, "new data skipped from \(highest) to \(packet.sequenceNumber)")
            }
            if highestDataSent.map({ !isAtOrAfter($0, packet.sequenceNumber) }) ?? true {
                highestDataSent = packet.sequenceNumber
            }
        }
    }

    func checkInvariants() {
        expect(connection.bufferedBytes >= 0 && connection.bufferedBytes <= written, "buffered \(connection.bufferedBytes) of \(written)")
        expect(connection.heldOutOfOrder.bytes <= configuration.receiveWindow, "the reorder buffer outgrew the window")
        expect(connection.heldOutOfOrder.packets < configuration.reorderPackets, "too many packets held out of order")
        expect(connection.packetsUnacknowledged <= 0x4000 + 2, "\(connection.packetsUnacknowledged) packets unacknowledged")
        let mtu = connection.pathMTU
        expect(mtu.floor >= 1 && mtu.floor <= mtu.ceiling, "path MTU floor \(mtu.floor) over ceiling \(mtu.ceiling)")
        expect(mtu.ceiling <= max(configuration.packetSize, configuration.packetSizeCeiling), "the MTU ceiling rose")
        let window = connection.congestion.window
        expect(window >= 1 && window <= connection.congestion.maximumWindow, "congestion window \(window)")
        if connection.state == .closed {
            expect(connection.bufferedBytes == 0 && connection.heldOutOfOrder.bytes == 0, "a closed connection holds bytes")
        }
    }

    mutating func step() {
        switch input.byte() % 9 {
        case 0, 1: receive(peerPacket())
        case 2:
            let chunk = input.chunk()
            let copies = 1 + Int(input.byte() % 64)
            for _ in 0..<copies { connection.write(chunk) }
            if connection.state != .closed { written += chunk.count * copies }
        case 3, 4: flush()
        case 5:
            now = now.advanced(by: .milliseconds(Int(input.uint16())))
            connection.tick(at: now, events: &events)
        case 6: connection.close()
        case 7:
            if let probe = connection.probeSequence, input.bool() {
                connection.probeTooBig(sequenceNumber: probe)
            } else {
                connection.probeTooBig(sequenceNumber: input.uint16())
            }
        default:
            guard let packet = try? UTPPacket(decoding: input.chunk()) else { return }
            modelHolds = false
            receive(packet)
        }
        if connection.state == .closed { written = connection.bufferedBytes }   // closing drops the queue
        checkInvariants()
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    var input = FuzzInput(start, count)
    var configuration = UTPConnection.Configuration()
    configuration.packetSize = 100 + input.index(below: 1400)
    configuration.packetSizeCeiling = configuration.packetSize + input.index(below: 9000)
    configuration.receiveWindow = 1024 << input.index(below: 11)
    configuration.reorderPackets = 1 + input.index(below: 1024)
    let connection: UTPConnection
    var expectedSequence: UInt16 = 0
    if input.bool() {
        connection = UTPConnection(connectingWith: input.uint16(), initialSequence: input.uint16(), at: .seconds(50),
                                   configuration: configuration)
    } else {
        let syn = UTPPacket(type: .syn, connectionID: input.uint16(), timestamp: input.uint32(),
                            windowSize: UInt32(input.uint16()) << 4, sequenceNumber: input.uint16())
        connection = UTPConnection(accepting: syn, initialSequence: input.uint16(), at: .seconds(50),
                                   configuration: configuration)
        expectedSequence = syn.sequenceNumber &+ 1
    }
    var run = Run(input: input, connection: connection, configuration: configuration)
    run.expectedSequence = expectedSequence
    for _ in 0..<2000 where !run.input.isAtEnd { run.step() }
    return 0
}
