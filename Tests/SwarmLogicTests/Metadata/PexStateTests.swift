import Testing
import TorrentCore
import WireProtocol
@testable import SwarmLogic

@Suite struct PexStateTests {
    func peer(_ n: Int, _ flags: PexFlags = []) -> PexMessage.Peer {
        .init(PeerEndpoint(host: "127.0.\(n / 250).\(n % 250 + 2)", port: 6881), flags: flags)
    }

    @Test func firstMessageShortlyAfterConnectingThenOncePerMinute() {
        var state = PexState(connectedAt: .zero)
        #expect(state.nextMessage(current: [peer(1)], at: .seconds(1)) == nil)
        #expect(state.nextMessage(current: [peer(1)], at: .seconds(2))?.added == [peer(1)])
        #expect(state.nextMessage(current: [peer(1), peer(2)], at: .seconds(30)) == nil)
        #expect(state.nextMessage(current: [peer(1), peer(2)], at: .seconds(61)) == nil, "not a minute yet")
        let next = state.nextMessage(current: [peer(2), peer(3, .seed)], at: .seconds(62))
        #expect(next?.added == [peer(2), peer(3, .seed)])
        #expect(next?.dropped == [peer(1).endpoint])
    }

    @Test func sendsNothingWithoutNews() {
        var state = PexState(connectedAt: .zero)
        #expect(state.nextMessage(current: [peer(1)], at: .seconds(5)) != nil)
        #expect(state.nextMessage(current: [peer(1)], at: .seconds(70)) == nil)
    }

    @Test func capsEachMessageAndSendsTheRestLater() {
        var state = PexState(connectedAt: .zero)
        let many = (0..<120).map { peer($0) }
        let first = state.nextMessage(current: many, at: .seconds(3))
        #expect(first?.added.count == PexState.maxPerMessage)
        let second = state.nextMessage(current: many, at: .seconds(64))
        #expect(second?.added.count == PexState.maxPerMessage)
        #expect(Set(first!.added).isDisjoint(with: second!.added))
        let dropAll = state.nextMessage(current: [], at: .seconds(125))
        #expect(dropAll?.dropped.count == PexState.maxPerMessage)
        #expect(dropAll?.added.isEmpty == true)
    }

    @Test func acceptsIncomingWithinBounds() {
        var state = PexState(connectedAt: .zero)
        let flood = PexMessage(added: (0..<200).map { peer($0) } + [peer(0)])
        #expect(state.accept(flood, at: .seconds(1)).count == PexState.maxPerMessage)
        #expect(state.accept(PexMessage(added: [peer(7)]), at: .seconds(5)) == [], "too soon after the last")
        #expect(state.accept(PexMessage(added: [peer(7), peer(7)]), at: .seconds(40)) == [peer(7).endpoint])
    }
}
