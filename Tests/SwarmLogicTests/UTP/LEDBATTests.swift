import Testing
@testable import SwarmLogic

@Suite struct LEDBATTests {
    @Test func growsBelowTheTargetAndShrinksAboveIt() {
        var controller = LEDBAT(packetSize: 1000)
        controller.lost()                                        // leave slow start
        let start = controller.window
        controller.acknowledged(bytes: 1000, delay: 50_000, windowWasFull: true, at: .zero)   // base 50 ms
        controller.acknowledged(bytes: 1000, delay: 60_000, windowWasFull: true, at: .zero)   // 10 ms queued
        #expect(controller.window > start)
        let grown = controller.window
        controller.acknowledged(bytes: 1000, delay: 250_000, windowWasFull: true, at: .zero)  // 200 ms queued
        #expect(controller.window < grown)
        #expect(controller.queuingDelay == .milliseconds(200))
    }

    @Test func doesNotGrowAWindowTheSenderDoesNotFill() {
        var controller = LEDBAT(packetSize: 1000)
        let start = controller.window
        for _ in 0..<100 {
            controller.acknowledged(bytes: 1000, delay: 1000, windowWasFull: false, at: .zero)
        }
        #expect(controller.window == start)
    }

    @Test func baseDelayForgetsMinutesOlderThanItsHistory() {
        var history = BaseDelayHistory(minutes: 3)
        history.record(10_000, at: .seconds(0))
        history.record(90_000, at: .seconds(61))
        #expect(history.base == 10_000)
        history.record(80_000, at: .seconds(121))
        history.record(85_000, at: .seconds(181))
        #expect(history.base == 80_000)
        // Clocks wrap: a sample just past zero is later than one just below it.
        var wrapping = BaseDelayHistory()
        wrapping.record(UInt32.max - 1000, at: .zero)
        wrapping.record(500, at: .zero)
        #expect(wrapping.base == UInt32.max - 1000)
        #expect(wrapping.queuingDelay(500) == .microseconds(1501))
    }

    /// A bulk transfer through a 500 kB/s bottleneck with a queue and 10 ms of propagation each
    /// way: LEDBAT fills the link while holding the queue near its 100 ms target, then gives
    /// way to traffic that does not back off.
    @Test func settlesAtTheTargetDelayOnABottleneckAndYieldsToOtherTraffic() {
        let rate = 500_000
        var link = UTPLink()
        link.bottleneckBytesPerSecond = rate
        link.writeFromA(pattern(40 << 20))
        var delays: [Duration] = []
        var windows: [Int] = []
        func measure(_ link: inout UTPLink, for seconds: Double) -> Int {
            let from = link.deliveredToB.count
            let end = link.now.advanced(by: .seconds(seconds))
            var nextSample = link.now
            link.run(for: .seconds(seconds)) { link in
                if link.now >= nextSample {
                    delays.append(link.a.congestion.queuingDelay)
                    windows.append(link.a.congestion.window)
                    nextSample = link.now.advanced(by: .milliseconds(100))
                }
                return link.now >= end
            }
            return link.deliveredToB.count - from
        }
        _ = measure(&link, for: 20)                 // slow start and settling
        delays.removeAll()
        windows.removeAll()
        let alone = measure(&link, for: 10)
        let settledDelay = delays.reduce(.zero, +) / delays.count
        let settledWindow = windows.reduce(0, +) / windows.count
        #expect(Double(alone) > 0.85 * Double(rate) * 10, "throughput alone: \(alone / 10) B/s")
        #expect(settledDelay > .milliseconds(75) && settledDelay < .milliseconds(125), "queuing delay \(settledDelay)")
        // The window holds the path's bandwidth-delay product plus the target's worth of queue.
        let expected = Double(rate) * (0.020 + 0.100)
        #expect(Double(settledWindow) > 0.7 * expected && Double(settledWindow) < 1.4 * expected,
                "window \(settledWindow), expected about \(Int(expected))")

        print("LEDBAT alone: \(alone / 10) B/s of \(rate), queuing delay \(settledDelay), window \(settledWindow)")
        link.crossTrafficBytesPerSecond = rate * 6 / 10
        _ = measure(&link, for: 15)
        delays.removeAll()
        let shared = measure(&link, for: 10)
        let sharedDelay = delays.reduce(.zero, +) / delays.count
        print("LEDBAT beside 60 % cross traffic: \(shared / 10) B/s, queuing delay \(sharedDelay)")
        #expect(Double(shared) < 0.5 * Double(rate) * 10, "throughput beside other traffic: \(shared / 10) B/s")
        #expect(Double(shared) > 0.2 * Double(rate) * 10, "throughput beside other traffic: \(shared / 10) B/s")
        #expect(sharedDelay < .milliseconds(150), "queuing delay beside other traffic: \(sharedDelay)")
    }
}
