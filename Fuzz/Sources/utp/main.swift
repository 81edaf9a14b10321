// uTP datagrams (BEP 29): any bytes into `UTPPacket(decoding:)`. What parses must encode to a
// datagram that parses to the same packet, with a payload no longer than the input.
import FuzzSupport
import WireProtocol

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let input = FuzzInput(start, count)
    guard let packet = try? UTPPacket(decoding: input.bytes) else {
        expect(input.bytes.count < UTPPacket.headerLength || input.bytes[0] & 0x0F != 1 || input.bytes[0] >> 4 > 4
               || input.bytes[1] != 0, "a plain \(input.bytes.count)-byte header was refused")
        return 0
    }
    expect(packet.payload.count <= input.bytes.count - UTPPacket.headerLength, "payload longer than the datagram")
    expect(UTPPacket.connectionID(of: input.bytes) == packet.connectionID, "the demultiplexer reads another id")
    let again = try? UTPPacket(decoding: packet.encoded())
    expect(again == packet, "an encoded packet does not parse back to itself")
    return 0
}
