import Testing
import TorrentCore
@testable import SwarmLogic
import WireProtocol

@Suite struct WebSeedHealthTests {
    @Test func failuresInARowBackOffExponentiallyUpToTheCapAndASuccessResets() {
        var health = WebSeedHealth(baseBackoff: .seconds(1), maxBackoff: .seconds(8))
        let now = SwarmInstant.seconds(100)
        #expect(health.mayFetch(at: now))
        let waits = (0..<6).map { _ in health.failed(.transient(retryAfter: nil), at: now) }
        #expect(waits == [.seconds(1), .seconds(2), .seconds(4), .seconds(8), .seconds(8), .seconds(8)])
        #expect(!health.mayFetch(at: now.advanced(by: .seconds(7))))
        #expect(health.mayFetch(at: now.advanced(by: .seconds(8))))
        #expect(health.errors == 6)
        health.succeeded()
        #expect(health.mayFetch(at: now))
        #expect(health.failed(.transient(retryAfter: nil), at: now) == .seconds(1))
        #expect(health.errors == 7, "the error count is a total, not reset by success")
    }

    @Test func aServersRetryAfterIsHonouredWithinTheCap() {
        var health = WebSeedHealth(baseBackoff: .seconds(1), maxBackoff: .seconds(30))
        #expect(health.failed(.transient(retryAfter: .seconds(10)), at: .zero) == .seconds(10))
        #expect(health.failed(.transient(retryAfter: .seconds(3600)), at: .zero) == .seconds(30))
    }

    @Test func transientFailuresNeverDropTheSeedButWrongAnswersInARowDo() {
        var flaky = WebSeedHealth(dropAfter: 3)
        for _ in 0..<50 { flaky.failed(.transient(retryAfter: nil), at: .zero) }
        #expect(!flaky.isDropped)

        var wrong = WebSeedHealth(dropAfter: 3)
        wrong.failed(.wrongAnswer, at: .zero)
        wrong.failed(.wrongAnswer, at: .zero)
        wrong.succeeded()
        wrong.failed(.wrongAnswer, at: .zero)
        wrong.failed(.wrongAnswer, at: .zero)
        #expect(!wrong.isDropped, "a success in between starts the count again")
        wrong.failed(.wrongAnswer, at: .zero)
        #expect(wrong.isDropped)
        #expect(!wrong.mayFetch(at: .seconds(1_000_000)))
        #expect(wrong.fetchesWanted(rate: 1e9, fetchBytes: 1) == 0)
    }

    @Test func fetchesInFlightFollowTheRateWithinBounds() {
        var health = WebSeedHealth(minInFlight: 2, maxInFlight: 8, targetSeconds: 2)
        #expect(health.fetchesWanted(rate: 0, fetchBytes: 1 << 20) == 2)
        #expect(health.fetchesWanted(rate: Double(2 << 20), fetchBytes: 1 << 20) == 4)
        #expect(health.fetchesWanted(rate: Double(100 << 20), fetchBytes: 1 << 20) == 8)
        health.failed(.transient(retryAfter: nil), at: .zero)
        health.failed(.transient(retryAfter: nil), at: .zero)
        #expect(health.fetchesWanted(rate: Double(100 << 20), fetchBytes: 1 << 20) == 1, "a failing seed is probed")
    }
}

@Suite struct WebSeedPickingTests {
    @Test func aWebSeedGetsWholeFreshPiecesNotThePeersStartedOnes() {
        // Pieces 0 and 2 are started at another peer; the web seed gets a fresh piece, whole.
        var fixture = PickerFixture(availability: "1111", partial: "+.+.")
        let picked = fixture.picker.pickBlocks(for: .alice, peerHas: fixture.everything, count: 4, now: .zero,
                                               using: &fixture.rng, freshPiecesFirst: true)
        let pieces = Set(picked.map(\.piece.value))
        #expect(pieces.count == 1)
        #expect(pieces.isSubset(of: [1, 3]))
        #expect(picked.map(\.offset) == [0, 16384, 32768, 49152])
    }

    @Test func whenNoFreshPieceIsLeftAWebSeedFinishesStartedOnes() {
        var fixture = PickerFixture(availability: "11", have: "*.", partial: ".+")
        let picked = fixture.picker.pickBlocks(for: .alice, peerHas: fixture.everything, count: 4, now: .zero,
                                               using: &fixture.rng, freshPiecesFirst: true)
        #expect(Array(picked.prefix(3)) == [fixture.block(1, 1), fixture.block(1, 2), fixture.block(1, 3)])
        // Then endgame: the block another peer has in flight is asked of the seed too.
        #expect(Array(picked.dropFirst(3)) == [fixture.block(1, 0)])
    }
}
