import Testing
@testable import SwarmLogic
import TorrentCore

@Suite struct TransportMemoryTests {
    let peer = PeerEndpoint(host: "127.0.0.2", port: 6881)

    @Test func triesUTPFirstThenWhatWorked() {
        var memory = TransportMemory()
        #expect(memory.order(for: peer, utpAvailable: true) == [.utp, .tcp])
        memory.worked(.tcp, for: peer)
        #expect(memory.order(for: peer, utpAvailable: true) == [.tcp, .utp])
        memory.worked(.utp, for: peer)
        #expect(memory.order(for: peer, utpAvailable: true) == [.utp, .tcp])
        #expect(memory.order(for: peer, utpAvailable: false) == [.tcp])
    }

    @Test func whatWorkedOutranksWhatPeerExchangeSaid() {
        var memory = TransportMemory()
        memory.heard(.tcp, for: peer)
        #expect(memory.order(for: peer, utpAvailable: true) == [.tcp, .utp])
        memory.worked(.utp, for: peer)
        memory.heard(.tcp, for: peer)
        #expect(memory.order(for: peer, utpAvailable: true) == [.utp, .tcp])
    }

    @Test func staysBoundedByForgetting() {
        var memory = TransportMemory()
        for index in 0..<(TransportMemory.capacity + 5) {
            memory.worked(.tcp, for: PeerEndpoint(host: "10.0.\(index / 256).\(index % 256)", port: 1))
        }
        #expect(memory.order(for: PeerEndpoint(host: "10.0.0.0", port: 1), utpAvailable: true) == [.utp, .tcp])
        let last = TransportMemory.capacity + 4
        #expect(memory.order(for: PeerEndpoint(host: "10.0.\(last / 256).\(last % 256)", port: 1), utpAvailable: true)
            == [.tcp, .utp])
    }
}
