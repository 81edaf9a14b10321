import Collections
import WireProtocol

/// One uTP connection (BEP 29) as a pure state machine: packets in, bytes and packets out. The
/// owner feeds it datagrams (`receive`), the application's bytes (`write`), the clock (`tick`)
/// and asks for what to send (`flush`); it never reads a clock or touches a socket.
///
/// ```
///  initiator                                   acceptor
///  SYN  conn_id = R, seq = s        ───►       (replies on R, sends on R; we send on R+1)
///       ◄─── STATE conn_id = R, seq = t, ack = s    (STATE takes no sequence number)
///  DATA conn_id = R+1, seq = s+1, ack = t-1 ───►    DATA conn_id = R, seq = t, ack = s+1 ◄───
///  FIN  (takes a sequence number; acknowledged like data)
/// ```
/// States: `synSent` → `connected` → `closing` (our FIN sent) → `closed`; a RESET, a timeout
/// or the idle limit go straight to `closed`.
///
/// Reliability: every data packet stays in flight until acknowledged, cumulatively or by the
/// selective ack; three duplicate acks, or three later packets selectively acknowledged, resend
/// a packet early; the retransmission timer (RTT/RTO as `UTPRoundTrip`) resends the rest. Out of
/// order packets wait in a reorder buffer bounded by the receive window we advertise.
public struct UTPConnection: Sendable {
    /// Limits and timers; the defaults are libtorrent's where it has one.
    public struct Configuration: Sendable, Equatable {
        /// Payload bytes per data packet at first (1,400 fits a 1,500-byte path MTU with IPv6 and UDP headers).
        public var packetSize = UTPPathMTU.safePayload
        /// The largest payload path MTU probing tries (the owner derives it from the interface MTU);
        /// at `packetSize` or below there is no probing.
        public var packetSizeCeiling = UTPPathMTU.safePayload
        /// Bytes we accept beyond what was delivered in order: the window we advertise.
        public var receiveWindow = 1 << 20
        /// How many packets out of order we hold at most (also bounded by `receiveWindow`).
        public var reorderPackets = 1024
        public var keepAliveInterval = Duration.seconds(29)
        public var idleTimeout = Duration.seconds(60)
        /// Expiries of the retransmission timer in a row that end a connection.
        public var maxTimeouts = 6
        /// Expiries that give up on a SYN: one, so a peer without uTP costs 1 s before TCP is tried
        /// (libtorrent resends the SYN and waits about 3 s; a lost SYN here only means TCP this time).
        public var maxSynTimeouts = 1
        /// How long to wait for the peer's FIN once ours is acknowledged.
        public var closeLinger = Duration.seconds(10)
        public var targetDelay = LEDBAT.defaultTarget

        public init() {}
    }

    public enum State: Equatable, Sendable {
        case synSent, connected, closing, closed
    }

    private struct Outgoing: Sendable {
        var type: UTPPacketType
        var sequenceNumber: UInt16
        var payload: [UInt8]
        var sentAt: SwarmInstant?
        var transmissions = 0
        var isAcknowledged = false
        /// Counted in `bytesInFlight` (sent, not acknowledged, not waiting to be resent).
        var isInFlight = false
        /// A path MTU probe: its loss is not congestion, and its resend may be fragmented.
        var isProbe = false
    }

    public let configuration: Configuration
    /// The id packets to us carry.
    public let receiveID: UInt16
    /// The id packets we send carry.
    public let sendID: UInt16
    public private(set) var state: State
    public private(set) var congestion: LEDBAT
    public private(set) var roundTrip = UTPRoundTrip()
    /// The peer's advertised receive window in bytes.
    public private(set) var peerWindow: Int
    /// The path MTU search; data packets carry `pathMTU.packetSize` bytes.
    public private(set) var pathMTU: UTPPathMTU
    /// The sequence number of the probe in flight; the owner sends that packet with "don't fragment".
    public private(set) var probeSequence: UInt16?

    private var nextSequence: UInt16
    /// The last sequence number received in order.
    private var ackNumber: UInt16
    private var unacknowledged: Deque<Outgoing> = []
    private var bytesInFlight = 0
    /// Payload bytes of the packets in `unacknowledged` not yet acknowledged.
    private var unacknowledgedBytes = 0
    private var sendQueue: [UInt8] = []
    private var sendQueueStart = 0
    private var reorder: [UInt16: (type: UTPPacketType, payload: [UInt8])] = [:]
    private var reorderBytes = 0
    private var ackOwed = false
    private var duplicateAcks = 0
    private var lastAckReceived: UInt16?
    private var lastLossCut: SwarmInstant?
    private var consecutiveTimeouts = 0
    /// Our measure of the peer's one-way delay to us, echoed in `timestamp_difference`.
    private var replyDelay: UInt32 = 0
    private var lastReceived: SwarmInstant
    private var lastSent: SwarmInstant
    private var closeRequested = false
    private var peerFinished = false
    /// The ack of the peer's FIN, sent by the `flush` after the connection closed.
    private var lastWords: UTPPacket?

    // MARK: - Opening

    /// An outgoing connection: the first `flush` sends the SYN.
    public init(connectingWith receiveID: UInt16, initialSequence: UInt16, at now: SwarmInstant,
                configuration: Configuration = Configuration()) {
        self.configuration = configuration
        self.receiveID = receiveID
        sendID = receiveID &+ 1
        state = .synSent
        congestion = LEDBAT(packetSize: configuration.packetSize, target: configuration.targetDelay)
        pathMTU = UTPPathMTU(floor: configuration.packetSize, ceiling: configuration.packetSizeCeiling)
        peerWindow = configuration.packetSize
        nextSequence = initialSequence &+ 1
        ackNumber = 0
        lastReceived = now
        lastSent = now
        unacknowledged.append(Outgoing(type: .syn, sequenceNumber: initialSequence, payload: []))
    }

    /// An incoming connection from its SYN: the first `flush` sends the STATE that accepts it.
    public init(accepting syn: UTPPacket, initialSequence: UInt16, at now: SwarmInstant,
                configuration: Configuration = Configuration()) {
        self.configuration = configuration
        receiveID = syn.connectionID &+ 1
        sendID = syn.connectionID
        state = .connected
        congestion = LEDBAT(packetSize: configuration.packetSize, target: configuration.targetDelay)
        pathMTU = UTPPathMTU(floor: configuration.packetSize, ceiling: configuration.packetSizeCeiling)
        peerWindow = syn.windowSize > 0 ? Int(syn.windowSize) : configuration.receiveWindow
        nextSequence = initialSequence
        ackNumber = syn.sequenceNumber
        lastReceived = now
        lastSent = now
        ackOwed = true
        noteTimestamp(of: syn, at: now)
    }

    // MARK: - Application side

    /// Queues bytes to send; they go out in `flush` as the windows allow.
    public mutating func write(_ bytes: some Collection<UInt8>) {
        guard !closeRequested, state != .closed else { return }
        sendQueue.append(contentsOf: bytes)
    }

    /// Bytes written but not yet acknowledged: the owner stops reading from the application above a limit.
    public var bufferedBytes: Int {
        sendQueue.count - sendQueueStart + unacknowledgedBytes
    }

    /// What waits in the reorder buffer for a gap to fill (bounded by the receive window and `reorderPackets`).
    public var heldOutOfOrder: (bytes: Int, packets: Int) { (reorderBytes, reorder.count) }

    /// Packets sent (or queued to resend) and not yet acknowledged.
    public var packetsUnacknowledged: Int { unacknowledged.count }

    /// Sends FIN once everything written so far is sent.
    public mutating func close() {
        closeRequested = true
    }

    // MARK: - Network side

    /// Takes one packet addressed to this connection; returns the bytes it completes, in order.
    public mutating func receive(_ packet: UTPPacket, at now: SwarmInstant, events: inout [UTPEvent]) -> [UInt8] {
        guard state != .closed else { return [] }
        if packet.type == .reset {
            finish(.reset, events: &events)
            return []
        }
        if packet.type == .syn {
            if state != .synSent { ackOwed = true }   // our STATE was lost; the peer asks again
            return []
        }
        if state == .synSent {
            guard packet.type == .state, packet.ackNumber == unacknowledged.first?.sequenceNumber else { return [] }
            ackNumber = packet.sequenceNumber &- 1
            state = .connected
            events.append(.connected)
        }
        guard acknowledge(packet, at: now) else { return [] }
        lastReceived = now
        noteTimestamp(of: packet, at: now)
        peerWindow = Int(packet.windowSize)
        var delivered: [UInt8] = []
        if packet.type == .data || packet.type == .fin {
            delivered = accept(packet, events: &events)
        }
        if state == .closing, unacknowledged.isEmpty, peerFinished {
            finish(.finished, events: &events)
        }
        return delivered
    }

    /// Runs the timers: retransmission, keep-alive, idle. Call it a few times a second.
    public mutating func tick(at now: SwarmInstant, events: inout [UTPEvent]) {
        guard state != .closed else { return }
        if lastReceived.duration(to: now) > configuration.idleTimeout {
            return finish(.idle, events: &events)
        }
        if let oldest = unacknowledged.first(where: { $0.isInFlight }), let sentAt = oldest.sentAt,
           sentAt.duration(to: now) >= roundTrip.timeout {
            consecutiveTimeouts += 1
            let limit = state == .synSent ? configuration.maxSynTimeouts : configuration.maxTimeouts
            if consecutiveTimeouts >= limit { return finish(.timedOut, events: &events) }
            roundTrip.backOff()
            var onlyProbes = true
            for index in unacknowledged.indices where unacknowledged[index].isInFlight {
                if unacknowledged[index].isProbe { probeLost(index) } else { onlyProbes = false }
                markForResend(index)
            }
            if onlyProbes {
                consecutiveTimeouts -= 1   // a probe too big for the path is no sign of a dead peer
            } else {
                congestion.timedOut()
            }
        } else if state != .synSent, bytesInFlight == 0, peerWindow < configuration.packetSize,
                  sendQueue.count > sendQueueStart, lastReceived.duration(to: now) >= roundTrip.timeout {
            peerWindow = configuration.packetSize   // probe a zero window with one packet
        }
        if state == .connected, lastSent.duration(to: now) >= configuration.keepAliveInterval {
            ackOwed = true
        }
        if state == .closing, unacknowledged.isEmpty, lastReceived.duration(to: now) > configuration.closeLinger {
            finish(.finished, events: &events)   // our FIN is acknowledged; the peer's never came
        }
    }

    /// The packets to send now: resends first, then new data as the congestion window and the
    /// peer's window allow, then FIN once closing and drained, else a bare ack if one is owed.
    public mutating func flush(at now: SwarmInstant) -> [UTPPacket] {
        guard state != .closed else {
            defer { lastWords = nil }
            return lastWords.map { [$0] } ?? []
        }
        var out: [UTPPacket] = []
        let window = min(congestion.window, peerWindow)
        for index in unacknowledged.indices where !unacknowledged[index].isAcknowledged
            && !unacknowledged[index].isInFlight {
            let size = unacknowledged[index].payload.count
            guard bytesInFlight == 0 || bytesInFlight + size <= window else { break }
            out.append(transmit(index, at: now))
        }
        if state == .connected {
            while sendQueue.count > sendQueueStart, unacknowledged.count < 0x4000 {
                let available = sendQueue.count - sendQueueStart
                let probe = pathMTU.nextProbe.flatMap { $0 <= available ? $0 : nil }
                let size = probe ?? min(pathMTU.packetSize, available)
                guard bytesInFlight + size <= window || (bytesInFlight == 0 && peerWindow > 0) else { break }
                let payload = Array(sendQueue[sendQueueStart..<sendQueueStart + size])
                sendQueueStart += size
                out.append(queue(.data, payload: payload, isProbe: probe != nil, at: now))
            }
            compactSendQueue()
            if closeRequested, sendQueue.count == sendQueueStart {
                out.append(queue(.fin, payload: [], at: now))
                state = .closing
            }
        }
        if out.isEmpty, ackOwed {
            out.append(header(.state, sequenceNumber: nextSequence, at: now))
        }
        if !out.isEmpty {
            ackOwed = false
            lastSent = now
        }
        return out
    }

    // MARK: - Sending

    private mutating func queue(_ type: UTPPacketType, payload: [UInt8], isProbe: Bool = false,
                                at now: SwarmInstant) -> UTPPacket {
        unacknowledged.append(Outgoing(type: type, sequenceNumber: nextSequence, payload: payload, isProbe: isProbe))
        if isProbe {
            pathMTU.probeSent(payload.count)
            probeSequence = nextSequence
        }
        unacknowledgedBytes += payload.count
        nextSequence &+= 1
        return transmit(unacknowledged.count - 1, at: now)
    }

    private mutating func transmit(_ index: Int, at now: SwarmInstant) -> UTPPacket {
        unacknowledged[index].sentAt = now
        unacknowledged[index].transmissions += 1
        unacknowledged[index].isInFlight = true
        bytesInFlight += unacknowledged[index].payload.count
        let item = unacknowledged[index]
        var packet = header(item.type, sequenceNumber: item.sequenceNumber, at: now)
        packet.payload = item.payload
        if item.type == .syn {
            packet.connectionID = receiveID
            packet.ackNumber = 0
        }
        return packet
    }

    private mutating func markForResend(_ index: Int) {
        guard unacknowledged[index].isInFlight else { return }
        unacknowledged[index].isInFlight = false
        bytesInFlight -= unacknowledged[index].payload.count
    }

    private func header(_ type: UTPPacketType, sequenceNumber: UInt16, at now: SwarmInstant) -> UTPPacket {
        UTPPacket(type: type, connectionID: sendID, timestamp: UTPClock.timestamp(now),
                  timestampDifference: replyDelay,
                  windowSize: UInt32(max(0, configuration.receiveWindow - reorderBytes)),
                  sequenceNumber: sequenceNumber, ackNumber: ackNumber, selectiveAck: selectiveAck())
    }

    private func selectiveAck() -> UTPSelectiveAck? {
        guard !reorder.isEmpty else { return nil }
        let base = ackNumber &+ 2
        let offsets = reorder.keys.compactMap { UTPSequence.distance(from: base, to: $0) }.filter { $0 < 256 }
        guard let highest = offsets.max() else { return nil }
        return UTPSelectiveAck(bitCount: highest + 1, received: offsets)
    }

    private mutating func compactSendQueue() {
        if sendQueueStart == sendQueue.count {
            sendQueue.removeAll(keepingCapacity: true)
            sendQueueStart = 0
        } else if sendQueueStart > 1 << 16, sendQueueStart * 2 > sendQueue.count {
            sendQueue.removeFirst(sendQueueStart)
            sendQueueStart = 0
        }
    }

    // MARK: - Acknowledgements

    /// Applies the packet's ack and selective ack; false for an ack of something never sent
    /// (garbage or another connection's packet), which is then ignored whole.
    private mutating func acknowledge(_ packet: UTPPacket, at now: SwarmInstant) -> Bool {
        guard let oldest = unacknowledged.first?.sequenceNumber else {
            // Nothing outstanding: an ack must be of the last packet we sent, or older.
            return UTPSequence.distance(from: packet.ackNumber, to: nextSequence &- 1) != nil
        }
        let covered: Int
        if let ahead = UTPSequence.distance(from: oldest, to: packet.ackNumber) {
            guard ahead < unacknowledged.count else { return false }
            covered = ahead + 1
        } else {
            covered = 0   // an old ack
        }
        let windowWasFull = bytesInFlight + configuration.packetSize > min(congestion.window, peerWindow)
        var ackedBytes = 0
        for index in 0..<covered where !unacknowledged[index].isAcknowledged {
            ackedBytes += settle(index, at: now)
        }
        unacknowledged.removeFirst(covered)
        if let mask = packet.selectiveAck, let first = unacknowledged.first?.sequenceNumber {
            let base = packet.ackNumber &+ 2
            for offset in mask.receivedOffsets {
                guard let index = UTPSequence.distance(from: first, to: base &+ UInt16(offset)),
                      index < unacknowledged.count, !unacknowledged[index].isAcknowledged else { continue }
                ackedBytes += settle(index, at: now)
            }
            resendHolesBehindSelectiveAck(at: now)
        }
        while unacknowledged.first?.isAcknowledged == true { unacknowledged.removeFirst() }

        if covered == 0, packet.type == .state, packet.selectiveAck == nil, !unacknowledged.isEmpty,
           packet.ackNumber == lastAckReceived {
            duplicateAcks += 1
            if duplicateAcks == 3 {
                if unacknowledged[0].isProbe { probeLost(0) } else { lost(at: now) }
                markForResend(0)
            }
        } else if covered > 0 {
            duplicateAcks = 0
        }
        lastAckReceived = packet.ackNumber
        if ackedBytes > 0 || covered > 0 {
            consecutiveTimeouts = 0
            let delay = packet.timestampDifference == 0 ? nil : packet.timestampDifference
            congestion.acknowledged(bytes: ackedBytes, delay: delay, windowWasFull: windowWasFull, at: now)
        }
        return true
    }

    /// Marks one packet acknowledged and returns its size; a packet sent once gives an RTT sample.
    private mutating func settle(_ index: Int, at now: SwarmInstant) -> Int {
        markForResend(index)
        unacknowledged[index].isAcknowledged = true
        unacknowledgedBytes -= unacknowledged[index].payload.count
        if unacknowledged[index].isProbe {
            unacknowledged[index].isProbe = false
            pathMTU.probeAcknowledged(unacknowledged[index].payload.count)
            probeSequence = nil
        }
        if unacknowledged[index].transmissions == 1, let sentAt = unacknowledged[index].sentAt {
            roundTrip.sample(sentAt.duration(to: now))
        }
        return unacknowledged[index].payload.count
    }

    /// A packet with three or more later packets selectively acknowledged is taken as lost (once
    /// per round trip: a resent packet is given a round trip before it counts as lost again).
    private mutating func resendHolesBehindSelectiveAck(at now: SwarmInstant) {
        let patience = roundTrip.smoothed ?? UTPRoundTrip.initialTimeout
        var laterAcked = 0
        var cut = false
        for index in unacknowledged.indices.reversed() {
            let item = unacknowledged[index]
            if item.isAcknowledged {
                laterAcked += 1
            } else if laterAcked >= 3, item.isInFlight,
                      item.transmissions == 1 || (item.sentAt.map { $0.duration(to: now) > patience } ?? true) {
                if item.isProbe {
                    probeLost(index)
                } else if !cut {
                    lost(at: now)
                    cut = true
                }
                markForResend(index)
            }
        }
    }

    /// The probe at `index` did not arrive: the path's ceiling drops below its size. Its resend is an
    /// ordinary packet (the owner lets it fragment), so the bytes still get through.
    private mutating func probeLost(_ index: Int) {
        unacknowledged[index].isProbe = false
        pathMTU.probeLost(unacknowledged[index].payload.count)
        probeSequence = nil
    }

    /// The socket refused to send the probe `sequenceNumber` as too big for the path (EMSGSIZE, or an
    /// ICMP "fragmentation needed" it reported): the ceiling drops and the packet is resent at once.
    public mutating func probeTooBig(sequenceNumber: UInt16) {
        guard probeSequence == sequenceNumber, let first = unacknowledged.first?.sequenceNumber,
              let index = UTPSequence.distance(from: first, to: sequenceNumber), index < unacknowledged.count,
              unacknowledged[index].isProbe else { return }
        unacknowledged[index].isProbe = false
        pathMTU.packetTooBig(unacknowledged[index].payload.count)
        probeSequence = nil
        markForResend(index)
    }

    /// Halves the window at most once per round trip, however many packets a burst lost.
    private mutating func lost(at now: SwarmInstant) {
        let spacing = roundTrip.smoothed ?? UTPRoundTrip.initialTimeout
        if let last = lastLossCut, last.duration(to: now) < spacing { return }
        lastLossCut = now
        congestion.lost()
    }

    // MARK: - Receiving

    private mutating func noteTimestamp(of packet: UTPPacket, at now: SwarmInstant) {
        if packet.timestamp != 0 { replyDelay = UTPClock.timestamp(now) &- packet.timestamp }
    }

    /// Delivers a data or FIN packet in order, or holds it until the gap before it fills.
    private mutating func accept(_ packet: UTPPacket, events: inout [UTPEvent]) -> [UInt8] {
        ackOwed = true
        guard !peerFinished, let gap = UTPSequence.distance(from: ackNumber &+ 1, to: packet.sequenceNumber) else {
            return []   // a duplicate of something delivered
        }
        if gap > 0 {
            if gap < configuration.reorderPackets, reorder[packet.sequenceNumber] == nil,
               reorderBytes + packet.payload.count <= configuration.receiveWindow {
                reorder[packet.sequenceNumber] = (packet.type, packet.payload)
                reorderBytes += packet.payload.count
            }
            return []
        }
        var delivered = packet.payload
        var type = packet.type
        ackNumber = packet.sequenceNumber
        while type != .fin, let next = reorder.removeValue(forKey: ackNumber &+ 1) {
            reorderBytes -= next.payload.count
            ackNumber &+= 1
            delivered += next.payload
            type = next.type
        }
        if type == .fin {
            peerFinished = true
            reorder.removeAll()
            reorderBytes = 0
            events.append(.endOfStream)
        }
        return delivered
    }

    private mutating func finish(_ reason: UTPCloseReason, events: inout [UTPEvent]) {
        if reason == .finished, ackOwed {
            lastWords = header(.state, sequenceNumber: nextSequence, at: lastReceived)   // acknowledges the peer's FIN
        }
        state = .closed
        unacknowledged.removeAll()
        sendQueue.removeAll()
        sendQueueStart = 0
        reorder.removeAll()
        reorderBytes = 0
        bytesInFlight = 0
        unacknowledgedBytes = 0
        events.append(.closed(reason))
    }
}
