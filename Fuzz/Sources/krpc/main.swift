// KRPC (BEP 5): any datagram into `KRPCMessage(decoding:)`, and the compact node lists on their
// own. A decoded message must survive encode → decode unchanged, respect the read caps, and
// agree with `transactionID(of:)`, which error replies rely on.
import FuzzSupport
import TorrentCore
import WireProtocol

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let bytes = FuzzInput(start, count).bytes

    if let message = try? KRPCMessage(decoding: bytes) {
        if message.transactionID.count <= 32 {
            expect(KRPCMessage.transactionID(of: bytes) == message.transactionID, "transactionID(of:) disagrees")
        }
        if case .response(let response) = message.body {
            expect(response.nodes.count <= KRPCMessage.maxNodes && response.nodes6.count <= KRPCMessage.maxNodes,
                   "\(response.nodes.count) + \(response.nodes6.count) nodes read")
            expect(response.values.count <= KRPCMessage.maxValues, "\(response.values.count) values read")
            expect(response.values.allSatisfy { CompactPeerValue.encode($0) != nil }, "a value that cannot be sent on")
        }
        let again = try? KRPCMessage(decoding: message.encoded())
        expect(again == message, "the message does not survive encoding")
    } else {
        _ = KRPCMessage.transactionID(of: bytes)
    }

    for family in [PeerAddressFamily.ipv4, .ipv6] {
        guard let nodes = try? CompactNode.decodeList(bytes, family: family) else { continue }
        // Entries with port 0 are dropped; everything else must come back as it was.
        let encoded = CompactNode.encodeList(nodes, family: family)
        expect(encoded.count == nodes.count * (20 + family.compactLength), "a decoded node could not be encoded")
        expect((try? CompactNode.decodeList(encoded, family: family)) == nodes, "a compact node list does not survive encoding")
    }
    _ = CompactPeerValue.decode(bytes)
    return 0
}
