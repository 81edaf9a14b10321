import SwarmLogic
import Testing

@Suite struct TokenBucketTests {
    @Test func allowsTheBurstThenTheRate() {
        var bucket = TokenBucket(rate: 100_000, capacity: 50_000)
        let start = SwarmInstant.seconds(0)
        let burst = bucket.take(50_000, at: start)
        let afterBurst = bucket.take(16_384, at: start)
        let after100ms = bucket.take(16_384, at: .seconds(0.1))
        let after200ms = bucket.take(16_384, at: .seconds(0.2))
        #expect(burst)
        #expect(!afterBurst, "the burst is spent")
        #expect(!after100ms, "10 000 bytes flowed in: not enough for a block")
        #expect(after200ms)
    }

    @Test func overTenSecondsLetsThroughAboutTheRate() {
        var bucket = TokenBucket(rate: 200_000)
        var sent = 0
        for step in 0...1000 {  // every 10 ms for 10 s
            let now = SwarmInstant.seconds(Double(step) / 100)
            while bucket.take(16_384, at: now) { sent += 16_384 }
        }
        // 10 s at 200 kB/s plus the initial burst of 50 kB, within one block.
        #expect(abs(sent - 2_050_000) <= 16_384, "sent \(sent)")
    }

    @Test func grantsWholeBlocksForRequests() {
        var bucket = TokenBucket(rate: 64 * 1024, capacity: 64 * 1024)
        let first = bucket.takeUnits(of: 16_384, upTo: 10, at: .seconds(0))
        let second = bucket.takeUnits(of: 16_384, upTo: 10, at: .seconds(0))
        let third = bucket.takeUnits(of: 16_384, upTo: 10, at: .seconds(0.5))
        #expect(first == 4)
        #expect(second == 0)
        #expect(third == 2)
    }
}
