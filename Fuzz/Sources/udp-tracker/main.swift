// UDP tracker replies (BEP 15): any datagram into `UDPTrackerPacket.parseReply`, as the answer to
// a connect, announce or scrape chosen by the input, usually with the transaction id matching.
// What parses must be what was asked for, with counts in range and peers capped and unique.
import FuzzSupport
import TorrentCore
import WireProtocol

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    var input = FuzzInput(start, count)
    let flags = input.byte()
    let actions: [UDPTrackerPacket.Action] = [.connect, .announce, .scrape, .error]
    let action = actions[Int(flags & 3)]
    let family: PeerAddressFamily = flags & 4 != 0 ? .ipv6 : .ipv4
    let scrapeCount = Int(input.byte() % 80)
    let peerLimit = flags & 8 != 0 ? Int(input.byte()) : AnnounceResponse.defaultPeerLimit
    let packet = input.rest()

    let sent = UDPTrackerPacket.transactionID(of: packet)
    expect((sent == nil) == (packet.count < 8), "transaction id of a \(packet.count)-byte packet")
    let transactionID = flags & 16 != 0 ? 0x1234_5678 : sent ?? 0
    guard let reply = try? UDPTrackerPacket.parseReply(packet, to: action, transactionID: transactionID, family: family,
                                                       scrapeCount: scrapeCount, peerLimit: peerLimit) else { return 0 }
    expect(sent == transactionID, "a reply to another transaction was accepted")
    switch reply {
    case .connected:
        expect(action == .connect && packet.count >= 16, "connected in reply to \(action)")
    case .announced(let response):
        expect(action == .announce && packet.count >= 20, "announced in reply to \(action)")
        for value in [response.interval, response.leechers, response.seeders] {
            if let value { expect(value >= 0 && value <= Int(Int32.max), "count \(value) believed") }
        }
        expect(response.peers.count <= peerLimit, "\(response.peers.count) peers kept, limit \(peerLimit)")
        expect(Set(response.peers).count == response.peers.count, "duplicate peers kept")
        expect(response.peers.count <= (packet.count - 20) / family.compactLength, "more peers than the packet holds")
    case .scraped(let stats):
        expect(action == .scrape && stats.count <= scrapeCount, "\(stats.count) scrape entries for \(scrapeCount) hashes")
        expect(stats.allSatisfy { [$0.seeders, $0.completed, $0.leechers].allSatisfy { $0 >= 0 && $0 <= Int(Int32.max) } },
               "a scrape count out of range")
    case .error:
        break
    }
    return 0
}
