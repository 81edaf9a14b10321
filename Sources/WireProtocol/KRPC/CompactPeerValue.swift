import TorrentCore

/// One peer's address in the compact form of DHT `values` and node lists: 4 or 16 address bytes
/// then the port, big-endian.
public enum CompactPeerValue {
    /// The endpoint of a 6- or 18-byte entry; nil for other lengths or port 0.
    public static func decode(_ bytes: some Collection<UInt8>) -> PeerEndpoint? {
        let raw = Array(bytes)
        guard raw.count == 6 || raw.count == 18 else { return nil }
        let port = UInt16(raw[raw.count - 2]) << 8 | UInt16(raw[raw.count - 1])
        guard port != 0 else { return nil }
        let address = raw[0..<(raw.count - 2)]
        let host = raw.count == 6 ? IPAddressText.ipv4(address) : IPAddressText.ipv6(address)
        return PeerEndpoint(host: host, port: port)
    }

    /// The compact bytes of an endpoint whose host is an IPv4 or IPv6 literal; nil for host names.
    public static func encode(_ endpoint: PeerEndpoint) -> [UInt8]? {
        let address = IPAddressText.parseIPv4(endpoint.host) ?? IPAddressText.parseIPv6(endpoint.host)
        guard let address else { return nil }
        return address + [UInt8(endpoint.port >> 8), UInt8(endpoint.port & 0xFF)]
    }
}
