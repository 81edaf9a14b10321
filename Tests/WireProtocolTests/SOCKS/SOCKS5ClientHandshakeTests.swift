import Testing
import WireProtocol

/// The SOCKS5 client exchange (RFC 1928, RFC 1929) byte for byte, whole and drip-fed.
@Suite struct SOCKS5ClientHandshakeTests {
    private let target = SOCKS5Address(host: "127.0.0.2")!

    @Test func withoutCredentialsItOffersNoAuthAndSendsConnect() throws {
        var handshake = SOCKS5ClientHandshake(target: target, port: 6881)
        #expect(handshake.greeting() == [0x05, 0x01, 0x00])
        #expect(try handshake.receive([0x05, 0x00]) == .send([0x05, 0x01, 0x00, 0x01, 127, 0, 0, 2, 0x1A, 0xE1]))
        let step = try handshake.receive([0x05, 0x00, 0x00, 0x01, 127, 0, 0, 9, 0x30, 0x39, 0x13, 0x42])
        #expect(step == .established(bound: .ipv4([127, 0, 0, 9]), port: 12345, leftover: [0x13, 0x42]))
        #expect(handshake.isEstablished)
    }

    @Test func withCredentialsItAuthenticatesFirst() throws {
        let credentials = try #require(SOCKS5Credentials(username: "bob", password: "secret"))
        var handshake = SOCKS5ClientHandshake(target: .domain("tracker.local"), port: 80, credentials: credentials)
        #expect(handshake.greeting() == [0x05, 0x02, 0x00, 0x02])
        #expect(try handshake.receive([0x05, 0x02]) == .send([0x01, 3] + Array("bob".utf8) + [6] + Array("secret".utf8)))
        let request: [UInt8] = [0x05, 0x01, 0x00, 0x03, 13] + Array("tracker.local".utf8) + [0, 80]
        #expect(try handshake.receive([0x01, 0x00]) == .send(request))
    }

    @Test func dripFedRepliesGiveTheSameResult() throws {
        var handshake = SOCKS5ClientHandshake(target: target, port: 6881)
        let proxyBytes: [UInt8] = [0x05, 0x00, 0x05, 0x00, 0x00, 0x04] + [UInt8](repeating: 0, count: 15) + [1, 0x00, 0x50]
        var sent: [UInt8] = []
        var established: SOCKS5ClientHandshake.Step?
        for byte in proxyBytes {
            switch try handshake.receive([byte]) {
            case .send(let bytes): sent += bytes
            case let step: established = step
            }
        }
        #expect(sent == [0x05, 0x01, 0x00, 0x01, 127, 0, 0, 2, 0x1A, 0xE1])
        #expect(established == .established(bound: .ipv6([UInt8](repeating: 0, count: 15) + [1]), port: 80, leftover: []))
    }

    @Test func refusalsAndBadAnswersAreErrorsWithAReason() {
        var refused = SOCKS5ClientHandshake(target: target, port: 1)
        #expect(throws: SOCKS5Error.refused(.connectionRefused)) {
            _ = try refused.receive([0x05, 0x00, 0x05, 0x05, 0x00, 0x01, 0, 0, 0, 0, 0, 0])
        }
        #expect(SOCKS5Error.refused(.connectionRefused).description == "connection refused (via proxy)")
        var wantsPassword = SOCKS5ClientHandshake(target: target, port: 1)
        #expect(throws: SOCKS5Error.authenticationRequired) { _ = try wantsPassword.receive([0x05, 0x02]) }
        var noMethod = SOCKS5ClientHandshake(target: target, port: 1, credentials: SOCKS5Credentials(username: "a", password: "b"))
        #expect(throws: SOCKS5Error.noAcceptableMethod) { _ = try noMethod.receive([0x05, 0xFF]) }
        var badPassword = SOCKS5ClientHandshake(target: target, port: 1, credentials: SOCKS5Credentials(username: "a", password: "b"))
        #expect(throws: SOCKS5Error.authenticationFailed) { _ = try badPassword.receive([0x05, 0x02, 0x01, 0x01]) }
        var notSocks = SOCKS5ClientHandshake(target: target, port: 1)
        #expect(throws: SOCKS5Error.self) { _ = try notSocks.receive(Array("HTTP/1.1 400".utf8)) }
        var flood = SOCKS5ClientHandshake(target: target, port: 1)
        _ = try? flood.receive([0x05, 0x00])
        #expect(throws: SOCKS5Error.self) { _ = try flood.receive([0x05, 0x00, 0x00, 0x03, 255] + [UInt8](repeating: 0x41, count: 2000)) }
    }

    @Test func hostsBecomeLiteralsOrNamesForTheProxy() {
        #expect(SOCKS5Address(host: "10.1.2.3") == .ipv4([10, 1, 2, 3]))
        #expect(SOCKS5Address(host: "::1") == .ipv6([UInt8](repeating: 0, count: 15) + [1]))
        #expect(SOCKS5Address(host: "[fe80::1:2]") == .ipv6([0xFE, 0x80] + [UInt8](repeating: 0, count: 10) + [0, 1, 0, 2]))
        #expect(SOCKS5Address(host: "256.1.1.1") == .domain("256.1.1.1"))
        #expect(SOCKS5Address(host: "") == nil)
        #expect(SOCKS5Address(host: String(repeating: "a", count: 256)) == nil)
        #expect(SOCKS5Credentials(username: "", password: "x") == nil)
    }
}
