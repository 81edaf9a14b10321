// Magnet links (BEP 9, BEP 53 `so`): any text into `MagnetLink(parsing:)`. A parsed link must
// print as a link that parses back to the same thing, and its file selection must stay sorted,
// unique and bounded.
import FuzzSupport
import TorrentCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let text = String(decoding: FuzzInput(start, count).bytes, as: UTF8.self)
    _ = PeerEndpoint(parsing: text)
    guard let link = try? MagnetLink(parsing: text) else { return 0 }
    if let selected = link.selectedFiles {
        expect(!selected.isEmpty && selected.count <= 100_000 && selected.allSatisfy { $0 >= 0 },
               "selection of \(selected.count) files: \(selected.prefix(8))")
        expect(zip(selected, selected.dropFirst()).allSatisfy { $0 < $1 }, "selection not sorted and unique")
    }
    expect(link.peers.allSatisfy { $0.port != 0 && !$0.host.isEmpty }, "a peer without host or port")
    let printed = link.description
    let again = try? MagnetLink(parsing: printed)
    expect(again == link, "\(printed) does not parse back to the same link")
    return 0
}
