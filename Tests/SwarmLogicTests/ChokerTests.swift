import TestSupport
import Testing
@testable import SwarmLogic

@Suite struct ChokerTests {
    private func peer(_ id: UInt64) -> PeerKey { PeerKey(id) }

    @Test func unchokesThePeersThatGiveUsMostWhileDownloading() {
        let peers = [
            PeerSample(key: peer(1), downloadRate: 100),
            PeerSample(key: peer(2), downloadRate: 900),
            PeerSample(key: peer(3), downloadRate: 500),
            PeerSample(key: peer(4), downloadRate: 700),
        ]
        #expect(Choker.rank(peers, slots: 3, seeding: false, now: .zero) == [peer(2), peer(4), peer(3)])
    }

    @Test func leavesOutUninterestedAndSnubbingPeers() {
        let peers = [
            PeerSample(key: peer(1), downloadRate: 900, isInterested: false),
            PeerSample(key: peer(2), downloadRate: 800, isSnubbed: true),
            PeerSample(key: peer(3), downloadRate: 10),
        ]
        #expect(Choker.rank(peers, slots: 4, seeding: false, now: .zero) == [peer(3)])
        #expect(Choker.rank(peers, slots: 0, seeding: false, now: .zero).isEmpty)
    }

    @Test func breaksDownloadTiesByUploadRateThenKey() {
        let peers = [
            PeerSample(key: peer(3), downloadRate: 0, uploadRate: 5),
            PeerSample(key: peer(1), downloadRate: 0),
            PeerSample(key: peer(2), downloadRate: 0),
        ]
        #expect(Choker.rank(peers, slots: 3, seeding: false, now: .zero) == [peer(3), peer(1), peer(2)])
    }

    @Test func seedingRotatesToPeersWaitingLongest() {
        let now = SwarmInstant.seconds(100)
        let peers = [
            // Unchoked 10 s ago: keeps its slot.
            PeerSample(key: peer(1), uploadRate: 50, isUnchoked: true, lastUnchokedAt: .seconds(90)),
            // Unchoked 60 s ago: its turn is over.
            PeerSample(key: peer(2), uploadRate: 900, isUnchoked: true, lastUnchokedAt: .seconds(40)),
            // Never unchoked: first in the queue.
            PeerSample(key: peer(3)),
            // Last served long ago.
            PeerSample(key: peer(4), lastUnchokedAt: .seconds(5)),
            // Served more recently than 4.
            PeerSample(key: peer(5), lastUnchokedAt: .seconds(30)),
            PeerSample(key: peer(6), isInterested: false),
        ]
        #expect(Choker.rank(peers, slots: 4, seeding: true, now: now) == [peer(1), peer(3), peer(4), peer(5)])
        #expect(Choker.rank(peers, slots: 6, seeding: true, now: now) == [peer(1), peer(3), peer(4), peer(5), peer(2)])
    }

    @Test func aFreedSlotGoesToTheChokedPeerThatWaitedLongest() {
        let now = SwarmInstant.seconds(100)
        let peers = [
            // Still in its slot: not picked again.
            PeerSample(key: peer(1), uploadRate: 900, isUnchoked: true, lastUnchokedAt: .seconds(95)),
            PeerSample(key: peer(2), lastUnchokedAt: .seconds(60)),
            PeerSample(key: peer(3), lastUnchokedAt: .seconds(20)),
            PeerSample(key: peer(4), isInterested: false),
        ]
        #expect(Choker.fillFreeSlots(peers, free: 1, seeding: true, now: now) == [peer(3)])
        #expect(Choker.fillFreeSlots(peers, free: 3, seeding: true, now: now) == [peer(3), peer(2)])
        #expect(Choker.fillFreeSlots(peers, free: 0, seeding: true, now: now).isEmpty)
    }

    @Test func aFreedSlotWhileDownloadingGoesToTheFastestChokedPeer() {
        let peers = [
            PeerSample(key: peer(1), downloadRate: 900, isUnchoked: true),
            PeerSample(key: peer(2), downloadRate: 100),
            PeerSample(key: peer(3), downloadRate: 500),
            PeerSample(key: peer(4), downloadRate: 800, isSnubbed: true),
        ]
        #expect(Choker.fillFreeSlots(peers, free: 1, seeding: false, now: .zero) == [peer(3)])
    }

    @Test func seedingIgnoresSnubbingBecauseWeDownloadNothing() {
        let peers = [PeerSample(key: peer(1), isSnubbed: true)]
        #expect(Choker.rank(peers, slots: 1, seeding: true, now: .zero) == [peer(1)])
    }

    @Test func detectsSnubbingAfterAMinuteWithoutABlock() {
        #expect(!Choker.isSnubbed(lastBlockAt: .seconds(10), now: .seconds(69)))
        #expect(Choker.isSnubbed(lastBlockAt: .seconds(10), now: .seconds(70)))
    }

    @Test func optimisticSlotGoesToAChokedInterestedPeerAndStaysThirtySeconds() {
        var slot = OptimisticUnchoke()
        var rng = SeededGenerator(seed: 7)
        let peers = (1...5).map { PeerSample(key: peer($0), isInterested: $0 != 5) }
        let regular: Set = [peer(1), peer(2)]
        let first = slot.update(peers, regular: regular, now: .seconds(0), using: &rng)
        #expect(first == peer(3) || first == peer(4))
        #expect(slot.update(peers, regular: regular, now: .seconds(29), using: &rng) == first)
        let next = slot.update(peers, regular: regular, now: .seconds(30), using: &rng)
        #expect(next != first && (next == peer(3) || next == peer(4)), "rotates to another eligible peer")
        #expect(slot.chosenAt == .seconds(30))
    }

    @Test func optimisticSlotMovesOnWhenItsPeerLosesInterest() {
        var slot = OptimisticUnchoke()
        var rng = SeededGenerator(seed: 1)
        let first = slot.update([PeerSample(key: peer(1)), PeerSample(key: peer(2))], regular: [], now: .zero, using: &rng)
        let bored = [PeerSample(key: peer(1), isInterested: false), PeerSample(key: peer(2), isInterested: false)]
        #expect(first != nil)
        #expect(slot.update(bored, regular: [], now: .seconds(1), using: &rng) == nil)
    }

    @Test func optimisticChoiceIsSpreadOverPeers() {
        var chosen: [PeerKey: Int] = [:]
        let peers = (1...4).map { PeerSample(key: peer($0)) }
        for seed in UInt64(1)...80 {
            var slot = OptimisticUnchoke()
            var rng = SeededGenerator(seed: seed)
            if let pick = slot.update(peers, regular: [], now: .zero, using: &rng) { chosen[pick, default: 0] += 1 }
        }
        #expect(chosen.count == 4)
        #expect(chosen.values.allSatisfy { $0 >= 8 }, "\(chosen)")
    }

    @Test func decisionCombinesRegularAndOptimisticSlots() {
        var slot = OptimisticUnchoke()
        var rng = SeededGenerator(seed: 3)
        let peers = [
            PeerSample(key: peer(1), downloadRate: 300),
            PeerSample(key: peer(2), downloadRate: 200),
            PeerSample(key: peer(3), downloadRate: 100),
        ]
        let decision = Choker.decide(peers, slots: 2, seeding: false, optimistic: &slot, now: .zero, using: &rng)
        #expect(decision.regular == [peer(1), peer(2)])
        #expect(decision.optimistic == peer(3))
        #expect(decision.unchoked == [peer(1), peer(2), peer(3)])
    }
}
