import Foundation
import Testing
import TransmissionRPC

/// Who may use the RPC, decided before a request's body is read.
@Suite struct RPCAccessPolicyTests {
    let session = "abc"

    @Test func localhostAndIPLiteralsAreAllowedOtherNamesAreMisdirected() {
        let policy = RPCAccessPolicy(allowedHostNames: ["seedbox.lan"])
        for host in ["localhost", "localhost:9091", "localhost.", "127.0.0.1:9091", "10.1.2.3", "[::1]:9091", "::1",
                     "SEEDBOX.lan:9091"] {
            #expect(policy.decide(host: host, authorization: nil, sessionID: session, expectedSessionID: session) == .allow,
                    "\(host)")
        }
        for host in ["evil.example.com", "evil.example.com:9091", "127.0.0.1.nip.io", "localhost.evil.com"] {
            #expect(policy.decide(host: host, authorization: nil, sessionID: session, expectedSessionID: session)
                == .misdirected(host: host), "\(host)")
        }
    }

    @Test func credentialsAreCheckedBeforeTheSessionID() {
        let policy = RPCAccessPolicy(username: "ann", password: "s3cret")
        let good = "Basic " + Array("ann:s3cret".utf8).base64()
        let wrong = "Basic " + Array("ann:guess".utf8).base64()
        #expect(policy.decide(host: "localhost", authorization: nil, sessionID: session, expectedSessionID: session)
            == .unauthorized)
        #expect(policy.decide(host: "localhost", authorization: wrong, sessionID: session, expectedSessionID: session)
            == .unauthorized)
        #expect(policy.decide(host: "localhost", authorization: "Bearer x", sessionID: nil, expectedSessionID: session)
            == .unauthorized)
        #expect(policy.decide(host: "localhost", authorization: good, sessionID: nil, expectedSessionID: session)
            == .needsSessionID)
        // With credentials required, any host name may be used (the seedbox's own name), as in Transmission.
        #expect(policy.decide(host: "seedbox.example", authorization: good, sessionID: session,
                              expectedSessionID: session) == .allow)
    }

    @Test func aStaleSessionIDIsAConflict() {
        let policy = RPCAccessPolicy()
        #expect(policy.decide(host: "127.0.0.1", authorization: nil, sessionID: "old", expectedSessionID: session)
            == .needsSessionID)
        #expect(policy.decide(host: "127.0.0.1", authorization: nil, sessionID: nil, expectedSessionID: session)
            == .needsSessionID)
    }
}

extension Array where Element == UInt8 {
    func base64() -> String { Data(self).base64EncodedString() }
}
