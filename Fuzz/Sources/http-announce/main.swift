// HTTP tracker replies: any body into `AnnounceResponse.parse` and `ScrapeResponse.parse`, with
// caps taken from the input. Numbers must be in range, peers capped and without duplicates,
// scrape entries capped and clamped. A third mode feeds the peer address text of non-compact
// replies to `IPAddressText`, whose canonical forms must parse back to the same bytes.
import FuzzSupport
import TorrentCore
import WireProtocol

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    var input = FuzzInput(start, count)
    let flags = input.byte()
    let limit = flags & 1 != 0 ? Int(input.byte()) : nil
    let body = input.rest()

    if flags & 4 != 0 {
        let text = String(decoding: body, as: UTF8.self)
        if let v4 = IPAddressText.parseIPv4(text) {
            expect(v4.count == 4 && IPAddressText.parseIPv4(IPAddressText.ipv4(v4)) == v4, "IPv4 \(text) does not round-trip")
        }
        if let v6 = IPAddressText.parseIPv6(text) {
            expect(v6.count == 16 && IPAddressText.parseIPv6(IPAddressText.ipv6(v6)) == v6, "IPv6 \(text) does not round-trip")
        }
        if let host = IPAddressText.canonicalHost(text) {
            expect(IPAddressText.canonicalHost(host) == host, "canonical host \(host) of \(text) is not canonical")
        }
    } else if flags & 2 == 0 {
        let peerLimit = limit ?? AnnounceResponse.defaultPeerLimit
        guard let reply = try? AnnounceResponse.parse(body, peerLimit: peerLimit) else { return 0 }
        for (name, value) in [("interval", reply.interval), ("min interval", reply.minInterval),
                              ("complete", reply.seeders), ("incomplete", reply.leechers)] {
            if let value { expect(value >= 0 && value <= Int(Int32.max), "\(name) \(value) believed") }
        }
        expect(reply.peers.count <= peerLimit, "\(reply.peers.count) peers kept, limit \(peerLimit)")
        expect(Set(reply.peers).count == reply.peers.count, "duplicate peers kept")
        expect(reply.peers.allSatisfy { $0.port != 0 && !$0.host.isEmpty }, "a peer without host or port")
        if let id = reply.trackerID { expect(!id.isEmpty && id.count <= 256, "tracker id of \(id.count) bytes") }
    } else {
        let fileLimit = limit ?? ScrapeResponse.defaultFileLimit
        guard let reply = try? ScrapeResponse.parse(body, fileLimit: fileLimit) else { return 0 }
        expect(reply.files.count <= fileLimit, "\(reply.files.count) scrape entries kept, limit \(fileLimit)")
        for stats in reply.files.values {
            for value in [stats.seeders, stats.completed, stats.leechers] {
                expect(value >= 0 && value <= Int(Int32.max), "scrape count \(value)")
            }
        }
    }
    return 0
}
