import SwarmLogic
import WireProtocol

/// Two `UTPConnection`s joined by a simulated path: a propagation delay each way, an optional
/// bottleneck (a rate and a FIFO queue) from A to B, and a `fate` that may drop, delay or
/// duplicate each packet A sends. B's clock runs at a different origin, as real clocks do.
struct UTPLink {
    var a: UTPConnection
    var b: UTPConnection?
    var now = SwarmInstant.seconds(100)
    let clockSkewOfB = Duration.seconds(1234.5)
    var propagation = Duration.milliseconds(10)
    var bottleneckBytesPerSecond: Int?
    /// Other traffic through the bottleneck that does not back off (bytes per second).
    var crossTrafficBytesPerSecond = 0
    private var crossTrafficUntil = SwarmInstant.seconds(100)
    /// Extra delays for the n-th packet A sends: [] drops it, [0] passes it, [0, x] duplicates it.
    var fate: (_ index: Int, _ packet: UTPPacket) -> [Duration] = { _, _ in [.zero] }
    var fateOfB: (_ index: Int, _ packet: UTPPacket) -> [Duration] = { _, _ in [.zero] }
    var initialSequenceOfB: UInt16 = 0x7000
    var configurationOfB = UTPConnection.Configuration()

    private(set) var deliveredToA: [UInt8] = []
    private(set) var deliveredToB: [UInt8] = []
    private(set) var eventsOfA: [UTPEvent] = []
    private(set) var eventsOfB: [UTPEvent] = []
    private(set) var sentByA = 0
    private(set) var sentByB = 0
    private var bottleneckFreeAt = SwarmInstant.zero
    private var inTransit: [(at: SwarmInstant, toB: Bool, packet: UTPPacket)] = []

    init(a: UTPConnection) {
        self.a = a
    }

    init(initialSequence: UInt16 = 1000, configuration: UTPConnection.Configuration = .init()) {
        a = UTPConnection(connectingWith: 0x1234, initialSequence: initialSequence, at: .seconds(100),
                          configuration: configuration)
        configurationOfB = configuration
    }

    var timeOfB: SwarmInstant { now.advanced(by: clockSkewOfB) }

    /// Packets A→B waiting in the bottleneck queue or on the wire.
    var queuedTowardsB: Int { inTransit.filter(\.toB).count }

    mutating func writeFromA(_ bytes: [UInt8]) { a.write(bytes) }
    mutating func writeFromB(_ bytes: [UInt8]) { b?.write(bytes) }

    /// Lets A and B send what they have now.
    mutating func flush() {
        for packet in a.flush(at: now) { launch(packet, toB: true) }
        if var connection = b {
            let packets = connection.flush(at: timeOfB)
            b = connection
            for packet in packets { launch(packet, toB: false) }
        }
    }

    private mutating func launch(_ packet: UTPPacket, toB: Bool) {
        let delays: [Duration]
        if toB {
            delays = fate(sentByA, packet)
            sentByA += 1
        } else {
            delays = fateOfB(sentByB, packet)
            sentByB += 1
        }
        for extra in delays {
            var leaves = now
            if toB, let rate = bottleneckBytesPerSecond {
                // Cross traffic that arrived since the last packet queues ahead of this one.
                let crossSeconds = max(0, crossTrafficUntil.duration(to: now) / .seconds(1))
                let crossBytes = Double(crossTrafficBytesPerSecond) * crossSeconds
                crossTrafficUntil = now
                bottleneckFreeAt = max(bottleneckFreeAt, now.advanced(by: .seconds(-crossSeconds)))
                    .advanced(by: .seconds(crossBytes / Double(rate)))
                let start = max(now, bottleneckFreeAt)
                let size = UTPPacket.headerLength + packet.payload.count + (packet.selectiveAck?.bytes.count ?? 0)
                bottleneckFreeAt = start.advanced(by: .seconds(Double(size) / Double(rate)))
                leaves = bottleneckFreeAt
            }
            inTransit.append((leaves.advanced(by: propagation + extra), toB, packet))
        }
    }

    /// Runs the simulation, ticking both ends every `tick`, until `done` holds or `limit` passes.
    /// Returns whether `done` held.
    @discardableResult
    mutating func run(for limit: Duration, tick: Duration = .milliseconds(5), until done: (UTPLink) -> Bool) -> Bool {
        let end = now.advanced(by: limit)
        var nextTick = now
        flush()
        while now < end {
            if done(self) { return true }
            let nextArrival = inTransit.map(\.at).min()
            if let nextArrival, nextArrival <= nextTick {
                now = max(now, nextArrival)
                let arriving = inTransit.filter { $0.at <= now }
                inTransit.removeAll { $0.at <= now }
                for item in arriving { deliver(item.packet, toB: item.toB) }
            } else {
                now = max(now, nextTick)
                nextTick = now.advanced(by: tick)
                a.tick(at: now, events: &eventsOfA)
                if var connection = b {
                    connection.tick(at: timeOfB, events: &eventsOfB)
                    b = connection
                }
            }
            flush()
        }
        return done(self)
    }

    private mutating func deliver(_ packet: UTPPacket, toB: Bool) {
        if toB {
            if b == nil, packet.type == .syn {
                b = UTPConnection(accepting: packet, initialSequence: initialSequenceOfB, at: timeOfB,
                                  configuration: configurationOfB)
                return
            }
            guard var connection = b else { return }
            deliveredToB += connection.receive(packet, at: timeOfB, events: &eventsOfB)
            b = connection
        } else {
            deliveredToA += a.receive(packet, at: now, events: &eventsOfA)
        }
    }
}

/// `count` bytes that differ at every offset a test might compare.
func pattern(_ count: Int, seed: UInt8 = 0) -> [UInt8] {
    (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 8 &+ Int(seed)) }
}
