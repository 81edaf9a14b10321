// Local Service Discovery (BEP 14): any datagram from the multicast group into
// `LSDAnnounce(decoding:)`. A decoded announce must stay within its caps and survive encoding.
import FuzzSupport
import TorrentCore
import WireProtocol

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let bytes = FuzzInput(start, count).bytes
    guard let announce = try? LSDAnnounce(decoding: bytes) else { return 0 }
    expect(announce.port != 0, "port 0 believed")
    expect(!announce.infoHashes.isEmpty && announce.infoHashes.count <= LSDAnnounce.maxInfoHashes,
           "\(announce.infoHashes.count) info-hashes read")
    expect(Set(announce.infoHashes).count == announce.infoHashes.count, "an info-hash read twice")
    let again = try? LSDAnnounce(decoding: announce.encoded())
    expect(again?.port == announce.port && again?.infoHashes == announce.infoHashes, "the announce does not survive encoding")
    return 0
}
