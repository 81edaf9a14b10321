import TestSupport
import Testing
@testable import SwarmLogic


/// Always 1, so `next(upperBound:)` is always 0 and `shuffle` leaves every tier in the order given.
/// (Always 0 would spin forever in the standard library's rejection sampling.)
private struct IdentityShuffle: RandomNumberGenerator {
    mutating func next() -> UInt64 { 1 }
}

@Suite struct TrackerTiersTests {
    /// Tiers in a known order: shuffling with a fixed generator, then naming the result.
    private func tiers(_ input: [[String]]) -> TrackerTiers {
        var random = IdentityShuffle()
        return TrackerTiers(tiers: input, using: &random)
    }

    @Test func shufflesEachTierOnceAndKeepsTiersApart() {
        let input = [(0..<8).map { "http://a\($0)/announce" }, ["udp://b:1"], (0..<8).map { "http://c\($0)/announce" }]
        var random = SeededGenerator(seed: 7)
        let shuffled = TrackerTiers(tiers: input, using: &random)
        #expect(shuffled.tiers.count == 3)
        #expect(Set(shuffled.tiers[0]) == Set(input[0]))
        #expect(shuffled.tiers[1] == ["udp://b:1"])
        #expect(Set(shuffled.tiers[2]) == Set(input[2]))
        #expect(shuffled.tiers[0] != input[0] || shuffled.tiers[2] != input[2])
        var again = SeededGenerator(seed: 7)
        #expect(TrackerTiers(tiers: input, using: &again) == shuffled)
    }

    @Test func dropsEmptyURLsDuplicatesAndEmptyTiers() {
        let tiers = tiers([["a", "", "a"], [], ["a"], ["b"]])
        #expect(tiers.tiers == [["a"], ["b"]])
        #expect(tiers.allTrackers == ["a", "b"])
        let none = self.tiers([[], [""]])
        #expect(none.isEmpty)
        #expect(none.current == nil)
    }

    @Test func triesTrackersInOrderThenTheNextTier() {
        var tiers = tiers([["a1", "a2"], ["b1"]])
        let first = tiers.current!
        let second = tiers.tiers[0][1]
        #expect(tiers.currentFailed() == .tryNext(second))
        #expect(tiers.currentFailed() == .tryNext("b1"))
        #expect(tiers.currentFailed() == .roundFailed)
        #expect(tiers.current == first)   // the next round starts from the top
    }

    @Test func promotesTheTrackerThatAnsweredToTheFrontOfItsTier() {
        var tiers = tiers([["x", "y", "z"], ["b1", "b2"]])
        let order = tiers.tiers[0]
        _ = tiers.currentFailed()
        _ = tiers.currentFailed()
        #expect(tiers.current == order[2])
        tiers.currentSucceeded()
        #expect(tiers.tiers[0] == [order[2], order[0], order[1]])
        #expect(tiers.current == order[2])
        #expect(tiers.position == TrackerTiers.Position(tier: 0, index: 0))
    }

    @Test func aLowerTierThatAnswersMovesUpOnlyWithinItsTier() {
        var tiers = tiers([["a"], ["b1", "b2"]])
        let lower = tiers.tiers[1]
        _ = tiers.currentFailed()   // a
        _ = tiers.currentFailed()   // first of tier 2
        tiers.currentSucceeded()
        #expect(tiers.tiers == [["a"], [lower[1], lower[0]]])
        #expect(tiers.current == "a")   // the first tier is tried again next round
    }

    @Test func restartsARound() {
        var tiers = tiers([["a"], ["b"]])
        _ = tiers.currentFailed()
        #expect(tiers.current == "b")
        tiers.restartRound()
        #expect(tiers.current == "a")
    }
}

@Suite struct TrackerAnnounceScheduleTests {
    @Test func usesTheTrackersIntervalWithinBounds() {
        var schedule = AnnounceSchedule()
        #expect(schedule.succeeded(interval: 1800, minInterval: 900) == .seconds(1800))
        #expect(schedule.earliestManualAnnounce == .seconds(900))
        #expect(schedule.succeeded(interval: nil, minInterval: nil) == .seconds(1800))
        #expect(schedule.earliestManualAnnounce == .seconds(60))
        #expect(schedule.succeeded(interval: 0, minInterval: nil) == .seconds(60))
        #expect(schedule.succeeded(interval: 10 * 86_400, minInterval: nil) == .seconds(4 * 3600))
        #expect(schedule.succeeded(interval: 120, minInterval: 600) == .seconds(600))
    }

    @Test func backsOffExponentiallyUpToTheCap() {
        let delays = (0..<10).map { AnnounceSchedule.backoff(failures: $0, base: .seconds(15), cap: .seconds(1800)) }
        #expect(delays == [15, 30, 60, 120, 240, 480, 960, 1800, 1800, 1800].map { Duration.seconds($0) })
        #expect(AnnounceSchedule.backoff(failures: 10_000, base: .seconds(15), cap: .seconds(1800)) == .seconds(1800))
    }

    @Test func jittersRetriesButNeverPastTheCap() {
        var schedule = AnnounceSchedule()
        var random = SeededGenerator(seed: 1)
        var delays: [Duration] = []
        for _ in 0..<12 { delays.append(schedule.failed(using: &random)) }
        #expect(schedule.consecutiveFailures == 12)
        for (failures, delay) in delays.enumerated() {
            let nominal = AnnounceSchedule.backoff(failures: failures, base: .seconds(15), cap: .seconds(1800))
            #expect(delay >= nominal * 0.9 && delay <= min(nominal * 1.1, .seconds(1800)), "retry \(failures): \(delay)")
        }
        #expect(delays[0] < delays[3])
        #expect(Set(delays.prefix(5)).count == 5)
        _ = schedule.succeeded(interval: 1800, minInterval: nil)
        #expect(schedule.consecutiveFailures == 0)
        #expect(schedule.failed(using: &random) <= .seconds(16.5))
    }

    @Test func withoutJitterRetriesAreExact() {
        var schedule = AnnounceSchedule(retryBase: .seconds(1), retryCap: .seconds(5), jitter: 0)
        var random = SeededGenerator(seed: 1)
        let delays = (0..<5).map { _ in schedule.failed(using: &random) }
        #expect(delays == [1, 2, 4, 5, 5].map { Duration.seconds($0) })
    }
}
