import TestSupport
import Testing
import TorrentCore
import WireProtocol
@testable import SwarmLogic

@Suite struct TokenIssuerTests {
    @Test func acceptsItsOwnTokenOnlyFromTheSameAddressAndOnlyForTwoRotations() {
        var issuer = TokenIssuer()
        var generator = SeededGenerator(seed: 7)
        let token = issuer.token(for: "10.0.0.1", at: .zero, using: &generator)
        #expect(issuer.accepts(token, from: "10.0.0.1", at: .seconds(10), using: &generator))
        #expect(!issuer.accepts(token, from: "10.0.0.2", at: .seconds(10), using: &generator))
        #expect(!issuer.accepts([1, 2, 3], from: "10.0.0.1", at: .seconds(10), using: &generator))
        // After one rotation the previous secret still counts…
        #expect(issuer.accepts(token, from: "10.0.0.1", at: .seconds(6 * 60), using: &generator))
        // …after the next one it does not.
        #expect(!issuer.accepts(token, from: "10.0.0.1", at: .seconds(11 * 60 + 1), using: &generator))
    }

    @Test func aTokenIsRejectedAfterALongSilence() {
        var issuer = TokenIssuer()
        var generator = SeededGenerator(seed: 8)
        let token = issuer.token(for: "10.0.0.1", at: .zero, using: &generator)
        #expect(!issuer.accepts(token, from: "10.0.0.1", at: .seconds(60 * 60), using: &generator))
    }
}

@Suite struct PeerStoreTests {
    let hash = InfoHash(bytes: Array(1...20))!

    @Test func peersExpireThirtyMinutesAfterTheirLastAnnounce() {
        var store = PeerStore()
        let peer = PeerEndpoint(host: "10.0.0.1", port: 1)
        store.announce(peer, for: hash, at: .zero)
        store.announce(PeerEndpoint(host: "10.0.0.2", port: 2), for: hash, at: .seconds(20 * 60))
        #expect(store.peers(for: hash, at: .seconds(29 * 60), limit: 50).count == 2)
        #expect(store.peers(for: hash, at: .seconds(31 * 60), limit: 50) == [PeerEndpoint(host: "10.0.0.2", port: 2)])
        store.expire(at: .seconds(60 * 60))
        #expect(store.infoHashCount == 0)
    }

    @Test func boundsInfoHashesAndPeersPerHash() {
        var store = PeerStore(maxInfoHashes: 3, maxPeersPerHash: 4)
        for index in 0..<10 {
            store.announce(PeerEndpoint(host: "10.0.0.\(index)", port: 1), for: hash, at: .seconds(Double(index)))
        }
        let kept = store.peers(for: hash, at: .seconds(10), limit: 50)
        #expect(kept.count == 4)
        #expect(kept.first == PeerEndpoint(host: "10.0.0.9", port: 1))
        for index in 0..<5 {
            let other = InfoHash(bytes: [UInt8](repeating: UInt8(index + 100), count: 20))!
            let stored = store.announce(PeerEndpoint(host: "10.0.1.1", port: 1), for: other, at: .seconds(10))
            #expect(stored == (index < 2))
        }
        #expect(store.infoHashCount == 3)
    }
}

@Suite struct ReplyRateLimiterTests {
    @Test func limitsEachSourceAndEveryoneTogether() {
        var limiter = ReplyRateLimiter(perSourceRate: 5, globalRate: 12)
        let burst = (0..<50).count { _ in limiter.allow(from: "10.0.0.1", at: .zero) }
        #expect(burst == 10)  // two seconds' worth
        // Another source still gets through, until the global cap is spent.
        let other = (0..<50).count { _ in limiter.allow(from: "10.0.0.2", at: .zero) }
        #expect(other == 2)
        // A second later the first source has five more.
        let later = (0..<50).count { _ in limiter.allow(from: "10.0.0.1", at: .seconds(1)) }
        #expect(later == 5)
    }
}

@Suite struct LookupTests {
    let target = nodeID(0x00)

    @Test func keepsAlphaQueriesInFlightAndConvergesOnTheClosest() {
        var lookup = Lookup(target: target, seeds: [node(0xF0), node(0xE0), node(0xD0), node(0xC0)], at: .zero)
        let first = lookup.nextQueries(at: .zero)
        #expect(first.count == 3)
        #expect(first.contains(node(0xC0).endpoint))  // closest first
        #expect(lookup.nextQueries(at: .zero).isEmpty)  // alpha reached
        lookup.answered(by: node(0xC0).endpoint, id: nodeID(0xC0), nodes: [node(0x10), node(0x20)], token: [1])
        let second = lookup.nextQueries(at: .seconds(1))
        #expect(second == [node(0x10).endpoint])
        #expect(!lookup.isFinished(at: .seconds(1)))
    }

    @Test func finishesWhenTheClosestHaveAnsweredAndNoCloserNodesArrive() {
        var lookup = Lookup(target: target, seeds: [node(0x10), node(0x20)], at: .zero, k: 2)
        for endpoint in lookup.nextQueries(at: .zero) {
            let id = endpoint == node(0x10).endpoint ? nodeID(0x10) : nodeID(0x20)
            lookup.answered(by: endpoint, id: id, nodes: [node(0x80)], token: [7])
        }
        // 0x80 is farther than the two closest, which both answered: done without asking it.
        #expect(lookup.isFinished(at: .seconds(1)))
        #expect(lookup.nextQueries(at: .seconds(1)).isEmpty)
        #expect(lookup.closestAnswered.map(\.id) == [nodeID(0x10), nodeID(0x20)])
        #expect(lookup.closestAnswered.allSatisfy { $0.token == [7] })
    }

    @Test func failuresLetFartherNodesIn() {
        var lookup = Lookup(target: target, seeds: [node(0x10), node(0x20), node(0x30)], at: .zero, alpha: 1, k: 1)
        #expect(lookup.nextQueries(at: .zero) == [node(0x10).endpoint])
        lookup.failed(node(0x10).endpoint)
        #expect(lookup.nextQueries(at: .zero) == [node(0x20).endpoint])
    }

    @Test func isBoundedByQueriesAndTime() {
        var lookup = Lookup(target: target, seeds: [node(0xF0)], at: .zero, alpha: 1, maxQueries: 5,
                            maxDuration: .seconds(30))
        var rounds = 0
        var next: UInt8 = 0xEF
        while !lookup.isFinished(at: .seconds(1)) && rounds < 100 {
            for endpoint in lookup.nextQueries(at: .seconds(1)) {
                // Every answer names one closer node: it would go on forever without a bound.
                lookup.answered(by: endpoint, id: nodeID(next + 1), nodes: [node(next)], token: nil)
                next -= 1
            }
            rounds += 1
        }
        #expect(lookup.queriesSent == 5)
        var slow = Lookup(target: target, seeds: [node(0x10)], at: .zero)
        _ = slow.nextQueries(at: .zero)
        #expect(!slow.isFinished(at: .seconds(29)))
        #expect(slow.isFinished(at: .seconds(30)))
    }

    @Test func bootstrapAddressesWithoutIDsAreAskedToo() {
        var lookup = Lookup(target: target, seeds: [], bootstrap: [PeerEndpoint(host: "127.0.0.5", port: 1)], at: .zero)
        #expect(lookup.nextQueries(at: .zero) == [PeerEndpoint(host: "127.0.0.5", port: 1)])
        lookup.answered(by: PeerEndpoint(host: "127.0.0.5", port: 1), id: nodeID(0x55), nodes: [node(0x01)], token: nil)
        #expect(lookup.nextQueries(at: .zero) == [node(0x01).endpoint])
    }
}

@Suite struct NodeIDTests {
    @Test func distanceAndPrefixes() {
        let a = nodeID(0b1010_0000)
        let b = nodeID(0b1011_0000)
        #expect(a.distance(to: b) == nodeID(0b0001_0000))
        #expect(a.commonPrefixLength(with: b) == 3)
        #expect(a.commonPrefixLength(with: a) == 160)
        var generator = SeededGenerator(seed: 3)
        for depth in [0, 1, 7, 8, 100, 159] {
            #expect(a.commonPrefixLength(with: a.random(sharingPrefix: depth, using: &generator)) == depth)
        }
    }
}
