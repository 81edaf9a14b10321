/// The header a SOCKS5 UDP relay expects before every datagram (RFC 1928 section 7), both ways:
///
/// ```
/// RSV (2 bytes, 0) · FRAG (1 byte, 0: not fragmented) · ATYP · DST.ADDR · DST.PORT · DATA
/// ```
///
/// Pure: bytes in, bytes out. Fragments (FRAG ≠ 0) are not reassembled; decoding drops them.
public enum SOCKS5UDPDatagram {
    /// `payload` wrapped for the relay, to be sent on to `target`:`port`.
    public static func encode(target: SOCKS5Address, port: UInt16, payload: some Collection<UInt8>) -> [UInt8] {
        var bytes: [UInt8] = [0, 0, 0]
        bytes += target.encoded()
        bytes += [UInt8(port >> 8), UInt8(port & 0xFF)]
        bytes += payload
        return bytes
    }

    /// One datagram from the relay: who sent it and where its payload starts. Nil for a fragment,
    /// a reserved field that is not zero, an unknown address type or a header cut short.
    public static func decode(_ bytes: some RandomAccessCollection<UInt8>)
        -> (source: SOCKS5Address, port: UInt16, payloadOffset: Int)? {
        let data = Array(bytes.prefix(262))
        guard data.count >= 4, data[0] == 0, data[1] == 0, data[2] == 0 else { return nil }
        let addressLength: Int
        switch data[3] {
        case 0x01: addressLength = 4
        case 0x04: addressLength = 16
        case 0x03:
            guard data.count >= 5, data[4] > 0 else { return nil }
            addressLength = 1 + Int(data[4])
        default: return nil
        }
        let headerLength = 4 + addressLength + 2
        guard data.count >= headerLength,
              let source = SOCKS5Address.decode(type: data[3], bytes: Array(data[4..<(4 + addressLength)])) else {
            return nil
        }
        let port = UInt16(data[headerLength - 2]) << 8 | UInt16(data[headerLength - 1])
        return (source, port, headerLength)
    }
}
