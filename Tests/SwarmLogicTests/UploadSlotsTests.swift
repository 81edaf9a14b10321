import Testing
@testable import SwarmLogic

@Suite struct UploadSlotsTests {
    private let slots = UploadSlots(base: 4, maximum: 64, step: 256 * 1024)
    private let mib = 1024.0 * 1024

    @Test func keepsTheConfiguredSlotsUnderAnUploadLimit() {
        let fast = Array(repeating: 50 * mib, count: 20)
        #expect(slots.count(current: 8, uploadRates: fast, limited: true) == 4)
    }

    @Test func opensOneMoreSlotWhileEverySlotIsUsedWell() {
        #expect(slots.count(current: 4, uploadRates: [20 * mib, 20 * mib, 20 * mib, 20 * mib], limited: false) == 5)
        // One more per round, however many could be proven.
        let many = Array(repeating: 50 * mib, count: 10)
        #expect(slots.count(current: 4, uploadRates: many, limited: false) == 5)
        // The slow peers do not count; the fast ones still prove their slots.
        let rates = [20 * mib, 20 * mib, 20 * mib, 20 * mib, 20 * mib, 1000, 0]
        #expect(slots.count(current: 8, uploadRates: rates, limited: false) == 6)
    }

    @Test func staysAtTheBaseOnASlowLink() {
        // 1 MiB/s shared by five peers: not even the first slot proves itself.
        let rates = Array(repeating: mib / 5, count: 5)
        #expect(slots.count(current: 8, uploadRates: rates, limited: false) == 4)
        #expect(slots.count(current: 8, uploadRates: [], limited: false) == 4)
    }

    @Test func neverOpensMoreThanTheMaximum() {
        let rates = Array(repeating: 10_000 * mib, count: 200)
        #expect(slots.count(current: 64, uploadRates: rates, limited: false) == 64)
        #expect(UploadSlots(base: 0).count(current: 0, uploadRates: rates, limited: false) == 0)
    }

    /// Rounds on a link of `capacity` bytes per second shared evenly by the regular slots and the
    /// optimistic one, each round seeing the rates the previous count gave.
    private func settle(capacity: Double, rounds: Int = 100) -> [Int] {
        var count = slots.base
        var history: [Int] = []
        for _ in 0..<rounds {
            let share = capacity / Double(count + 1)
            count = slots.count(current: count, uploadRates: Array(repeating: share, count: count + 1), limited: false)
            history.append(count)
        }
        return history
    }

    @Test func slotsGrowWithTheLinkAndSettle() {
        let slow = settle(capacity: 2 * mib)
        let fast = settle(capacity: 100 * mib)
        let faster = settle(capacity: 400 * mib)
        #expect(slow.allSatisfy { $0 == 4 })
        // A fast link grows past the base, and stops moving (at most between two neighbours).
        for history in [fast, faster] {
            let tail = history.suffix(10)
            #expect(tail.min()! > 4)
            #expect(tail.max()! - tail.min()! <= 1)
        }
        #expect(faster.last! > fast.last!)
        // Each regular slot at the settled count still gets a fair share of the link.
        let settled = Double(fast.last!)
        #expect(100 * mib / (settled + 1) >= (settled - 1) * slots.step)
    }
}
