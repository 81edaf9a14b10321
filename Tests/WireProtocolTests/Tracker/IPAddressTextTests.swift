import Testing
@testable import WireProtocol

@Suite struct TrackerIPAddressTextTests {
    @Test(arguments: [
        ("2001:0db8:0000:0000:0000:0000:0002:0001", "2001:db8::2:1"),
        ("2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"),        // first of two equal runs
        ("2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"),     // one zero group stays
        ("2001:DB8::A:0:0:0:1", "2001:db8:0:a::1"),            // the longer run wins
        ("0:0:0:0:0:0:0:0", "::"),
        ("::1", "::1"),
        ("fe80::", "fe80::"),
        ("::ffff:10.0.0.1", "::ffff:10.0.0.1"),
        ("::ffff:a00:1", "::ffff:10.0.0.1"),
    ])
    func writesIPv6InRFC5952Form(input: String, canonical: String) throws {
        let bytes = try #require(IPAddressText.parseIPv6(input))
        #expect(IPAddressText.ipv6(bytes) == canonical)
    }

    @Test(arguments: ["", ":", ":::", "1::2::3", "1:2:3:4:5:6:7:8:9", "12345::", "g::1", "1:2:3:4:5:6:7", "::1.2.3",
                      "1::2:3:4:5:6:7:8"])
    func rejectsMalformedIPv6(input: String) {
        #expect(IPAddressText.parseIPv6(input) == nil)
    }

    @Test func parsesStrictDottedQuads() {
        #expect(IPAddressText.parseIPv4("192.168.0.1") == [192, 168, 0, 1])
        for bad in ["1.2.3", "1.2.3.4.5", "1.2.3.256", "01.2.3.4", "1.2.3.", "a.b.c.d", "1.2.3.+4"] {
            #expect(IPAddressText.parseIPv4(bad) == nil, "\(bad)")
        }
    }

    @Test func canonicalisesPeerHosts() {
        #expect(IPAddressText.canonicalHost("10.0.0.1") == "10.0.0.1")
        #expect(IPAddressText.canonicalHost("[2001:DB8::0:1]") == "2001:db8::1")
        #expect(IPAddressText.canonicalHost("Peer-1.Example.COM") == "peer-1.example.com")
        for bad in ["", "1.2.3.999", "bad host", "-x.example", "a..b", "exa_mple.com", "1.2.3.4:80"] {
            #expect(IPAddressText.canonicalHost(bad) == nil, "\(bad)")
        }
    }
}
