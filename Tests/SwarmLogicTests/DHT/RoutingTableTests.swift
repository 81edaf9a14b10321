import TestSupport
import Testing
import TorrentCore
import WireProtocol
@testable import SwarmLogic

@Suite struct RoutingTableTests {
    // Our id starts with bit 0; nodes 0x80… and up are in the far half.
    let own = nodeID(0x00)
    let t0 = SwarmInstant.zero

    @Test func theBucketHoldingOurIDSplitsButAFarBucketDoesNot() {
        var table = RoutingTable(ownID: own, now: t0)
        for index in 0..<8 { #expect(table.heard(from: node(0x80 + UInt8(index)), kind: .response, at: t0) == .added) }
        #expect(table.bucketCount == 1)
        // A ninth far node: the single bucket holds our id, so it splits into far and near.
        let ninth = table.heard(from: node(0x90), kind: .response, at: t0)
        #expect(table.bucketCount == 2)
        // The far bucket (bit 0 = 1) is full of good nodes and cannot split: the newcomer waits.
        #expect(ninth == .cached(ping: []))
        #expect(table.count == 8)
        // Near nodes still find room, in new buckets split off the one holding our id.
        for index in 0..<8 { #expect(table.heard(from: node(0x40 + UInt8(index)), kind: .response, at: t0) == .added) }
        #expect(table.count == 16)
        #expect(table.heard(from: node(0x20), kind: .response, at: t0) == .added)
        #expect(table.bucketCount >= 3)
        #expect(table.entries.count == table.count)
    }

    @Test func nodeStatesFollowBEP5Timing() {
        var table = RoutingTable(ownID: own, now: t0)
        _ = table.heard(from: node(0x80), kind: .response, at: t0)
        _ = table.heard(from: node(0x81), kind: .query, at: t0)
        func state(_ first: UInt8, _ now: SwarmInstant) -> DHTNodeState? {
            table.entry(for: nodeID(first))?.state(at: now, goodFor: table.goodFor, maxFailures: table.maxFailures)
        }
        #expect(state(0x80, .seconds(14 * 60)) == .good)
        // Only queried us, never answered: not yet good.
        #expect(state(0x81, .seconds(60)) == .questionable)
        #expect(state(0x80, .seconds(15 * 60)) == .questionable)
        // Has answered before and queried us recently: good again.
        _ = table.heard(from: node(0x80), kind: .query, at: .seconds(20 * 60))
        #expect(state(0x80, .seconds(21 * 60)) == .good)
        for _ in 0..<3 { table.failed(node(0x80).endpoint, at: .seconds(22 * 60)) }
        #expect(state(0x80, .seconds(22 * 60)) == .bad)
        #expect(table.goodCount(at: .seconds(22 * 60)) == 0)
    }

    @Test func aBadNodeIsReplacedByTheNewcomerAtOnce() {
        var table = RoutingTable(ownID: own, now: t0)
        // Fill the near half so the far bucket is split off and cannot split again.
        _ = table.heard(from: node(0x01), kind: .response, at: t0)
        for index in 0..<8 { _ = table.heard(from: node(0x80 + UInt8(index)), kind: .response, at: t0) }
        _ = table.heard(from: node(0x90), kind: .response, at: t0)
        #expect(table.entry(for: nodeID(0x90)) == nil)
        for _ in 0..<3 { table.failed(node(0x83).endpoint, at: .seconds(1)) }
        // The bad node gave its place to the cached newcomer.
        #expect(table.entry(for: nodeID(0x83)) == nil)
        #expect(table.entry(for: nodeID(0x90)) != nil)
        // A further newcomer finds no bad node and waits.
        #expect(table.heard(from: node(0x91), kind: .response, at: .seconds(2)) == .cached(ping: []))
    }

    @Test func questionableNodesArePingedBeforeEvictionAndStayWhenTheyAnswer() {
        var table = RoutingTable(ownID: own, now: t0)
        _ = table.heard(from: node(0x01), kind: .response, at: t0)
        for index in 0..<8 { _ = table.heard(from: node(0x80 + UInt8(index)), kind: .response, at: t0) }
        let later = SwarmInstant.seconds(16 * 60)
        // All eight far nodes are questionable now: the newcomer waits, and they are to be pinged.
        guard case .cached(let toPing) = table.heard(from: node(0x90), kind: .response, at: later) else {
            Issue.record("expected the newcomer to wait")
            return
        }
        #expect(toPing.count == 8)
        #expect(table.entry(for: nodeID(0x90)) == nil)
        // 0x80 answers its ping and stays; 0x81 misses it and the newcomer takes its place.
        _ = table.heard(from: node(0x80), kind: .response, at: later)
        table.failed(node(0x81).endpoint, at: later)
        #expect(table.entry(for: nodeID(0x80)) != nil)
        #expect(table.entry(for: nodeID(0x81)) == nil)
        #expect(table.entry(for: nodeID(0x90)) != nil)
    }

    @Test func closestIsOrderedByXORDistanceAndSkipsBadNodes() {
        var table = RoutingTable(ownID: own, now: t0)
        for first: UInt8 in [0x10, 0x30, 0x31, 0x70, 0xF0] { _ = table.heard(from: node(first), kind: .response, at: t0) }
        for _ in 0..<3 { table.failed(node(0x31).endpoint, at: t0) }
        let closest = table.closest(to: nodeID(0x32), count: 3, at: t0).map { $0.id.bytes[0] }
        #expect(closest == [0x30, 0x10, 0x70])
    }

    @Test func ownIDAndAnIDMovingToAnotherAddressAreIgnored() {
        var table = RoutingTable(ownID: own, now: t0)
        #expect(table.heard(from: CompactNode(id: own, endpoint: PeerEndpoint(host: "1.1.1.1", port: 1)),
                            kind: .response, at: t0) == .ignored)
        _ = table.heard(from: node(0x80), kind: .response, at: t0)
        #expect(table.heard(from: node(0x80, host: "9.9.9.9"), kind: .response, at: t0) == .ignored)
        #expect(table.count == 1)
    }

    @Test func bucketsUnchangedFor15MinutesAskForARefreshInTheirRange() {
        var table = RoutingTable(ownID: own, now: t0)
        for index in 0..<9 { _ = table.heard(from: node(0x80 + UInt8(index)), kind: .response, at: t0) }
        var generator = SeededGenerator(seed: 1)
        #expect(table.targetsToRefresh(at: .seconds(14 * 60), using: &generator).isEmpty)
        let targets = table.targetsToRefresh(at: .seconds(15 * 60), using: &generator)
        #expect(targets.count == table.bucketCount)
        // Bucket 0 is the far half: its refresh target differs from our id in the first bit.
        #expect(targets.first.map { own.commonPrefixLength(with: $0) } == 0)
        #expect(targets.last.map { own.commonPrefixLength(with: $0) } == 1)
        #expect(table.targetsToRefresh(at: .seconds(15 * 60 + 1), using: &generator).isEmpty)
    }
}
