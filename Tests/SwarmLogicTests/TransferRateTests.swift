import Testing
@testable import SwarmLogic

@Suite struct TransferRateTests {
    @Test func measuresASteadyStream() {
        var rate = TransferRate()
        for tenth in 0..<100 {
            rate.record(bytes: 100, at: .seconds(Double(tenth) / 10))
        }
        let measured = rate.rate(at: .seconds(9.95))
        #expect(abs(measured - 1000) < 60, "\(measured)")
        #expect(rate.total == 10_000)
    }

    @Test func forgetsBytesOlderThanTheWindow() {
        var rate = TransferRate(windowSeconds: 5)
        rate.record(bytes: 5000, at: .seconds(1))
        #expect(rate.rate(at: .seconds(5.5)) > 0)
        #expect(rate.rate(at: .seconds(6)) == 0)
        #expect(rate.rate(at: .seconds(60)) == 0)
    }

    @Test func doesNotUnderstateAFreshConnection() {
        var rate = TransferRate()
        rate.record(bytes: 4000, at: .seconds(100))
        rate.record(bytes: 4000, at: .seconds(101.5))
        #expect(rate.rate(at: .seconds(102)) == 4000)
    }

    @Test func reusesBucketsAsTheWindowSlides() {
        var rate = TransferRate(windowSeconds: 2)
        rate.record(bytes: 1000, at: .seconds(0))
        rate.record(bytes: 1000, at: .seconds(1))
        rate.record(bytes: 3000, at: .seconds(2))
        #expect(rate.rate(at: .seconds(2.5)) == 4000 / 1.5)
    }

    @Test func reportsZeroBeforeAnything() {
        #expect(TransferRate().rate(at: .seconds(3)) == 0)
    }
}
