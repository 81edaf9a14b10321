import Testing
import WireProtocol

/// The SOCKS5 UDP relay header (RFC 1928 section 7), both ways, and what is dropped.
@Suite struct SOCKS5UDPDatagramTests {
    @Test func anIPv4DatagramRoundTrips() throws {
        let wrapped = SOCKS5UDPDatagram.encode(target: .ipv4([127, 0, 0, 2]), port: 6969, payload: [0xAA, 0xBB])
        #expect(wrapped == [0, 0, 0, 0x01, 127, 0, 0, 2, 0x1B, 0x39, 0xAA, 0xBB])
        let header = try #require(SOCKS5UDPDatagram.decode(wrapped))
        #expect(header.source == .ipv4([127, 0, 0, 2]) && header.port == 6969)
        #expect(Array(wrapped[header.payloadOffset...]) == [0xAA, 0xBB])
    }

    @Test func aTrackerNamedByHostNameIsLeftToTheProxy() throws {
        let wrapped = SOCKS5UDPDatagram.encode(target: .domain("tracker.example"), port: 80, payload: [1])
        #expect(Array(wrapped.prefix(5)) == [0, 0, 0, 0x03, 15])
        let header = try #require(SOCKS5UDPDatagram.decode(wrapped))
        #expect(header.source == .domain("tracker.example") && header.port == 80 && header.payloadOffset == 22)
    }

    @Test func anIPv6SourceIsRead() throws {
        let address = [UInt8](repeating: 0, count: 15) + [1]
        let header = try #require(SOCKS5UDPDatagram.decode([0, 0, 0, 0x04] + address + [0x1A, 0xE1, 9]))
        #expect(header.source.description == "0:0:0:0:0:0:0:1" && header.port == 6881 && header.payloadOffset == 22)
    }

    @Test func fragmentsAndBrokenHeadersAreDropped() {
        let good: [UInt8] = [0, 0, 0, 0x01, 127, 0, 0, 2, 0x1B, 0x39, 7]
        #expect(SOCKS5UDPDatagram.decode(good) != nil)
        var fragment = good
        fragment[2] = 1
        #expect(SOCKS5UDPDatagram.decode(fragment) == nil, "fragments are not reassembled")
        var reserved = good
        reserved[0] = 1
        #expect(SOCKS5UDPDatagram.decode(reserved) == nil)
        for length in 0..<10 {
            #expect(SOCKS5UDPDatagram.decode(good.prefix(length)) == nil, "cut after \(length) bytes")
        }
        #expect(SOCKS5UDPDatagram.decode([0, 0, 0, 0x05, 1, 2, 3, 4, 5, 6]) == nil, "unknown address type")
        #expect(SOCKS5UDPDatagram.decode([0, 0, 0, 0x03, 0, 0, 80]) == nil, "an empty host name")
    }
}
