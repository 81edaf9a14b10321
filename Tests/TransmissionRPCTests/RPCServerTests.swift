import AsyncHTTPClient
import Engine
import Foundation
import NIOCore
import NIOHTTP1
import Testing
import TransmissionRPC

/// The RPC over real HTTP on 127.0.0.1: the handshake, refusals, and answers on one connection.
@Suite struct RPCServerTests {
    struct Reply {
        let status: Int
        let headers: HTTPHeaders
        let body: String
    }

    static func post(_ port: Int, body: String, headers: [(String, String)] = []) async throws -> Reply {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/transmission/rpc")
        request.method = .POST
        for (name, value) in headers { request.headers.replaceOrAdd(name: name, value: value) }
        request.body = .bytes(ByteBuffer(string: body))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        let bytes = try await response.body.collect(upTo: 1 << 20)
        return Reply(status: Int(response.status.code), headers: response.headers, body: String(buffer: bytes))
    }

    static func withServer(policy: RPCAccessPolicy = RPCAccessPolicy(), maxRequestBytes: Int = 1 << 16,
                           _ body: (Int) async throws -> Void) async throws {
        let fixture = try await RPCFixture.make(label: "rpc-http")
        let server = try await RPCServer.start(
            service: fixture.service,
            configuration: RPCServerConfiguration(host: "127.0.0.1", port: 0, policy: policy,
                                                  maxRequestBytes: maxRequestBytes))
        do {
            try await body(server.port)
        } catch {
            await server.close()
            await fixture.close()
            throw error
        }
        await server.close()
        await fixture.close()
    }

    @Test func theFirstRequestGets409WithTheSessionIDAndTheRetryIsAnswered() async throws {
        try await Self.withServer { port in
            let first = try await Self.post(port, body: #"{"method":"session-get","tag":1}"#)
            #expect(first.status == 409)
            let id = try #require(first.headers.first(name: "X-Transmission-Session-Id"))
            #expect(id.count == 48)
            let second = try await Self.post(port, body: #"{"method":"session-get","tag":1}"#,
                                             headers: [("X-Transmission-Session-Id", id)])
            #expect(second.status == 200)
            #expect(second.body.contains(#""result":"success""#))
            #expect(second.body.contains(#""rpc-version":17"#))
            let garbage = try await Self.post(port, body: "][", headers: [("X-Transmission-Session-Id", id)])
            #expect(garbage.status == 200)
            #expect(garbage.body.contains("not a JSON object"))
        }
    }

    @Test func aForeignHostHeaderIsMisdirected() async throws {
        try await Self.withServer { port in
            let reply = try await Self.post(port, body: "{}", headers: [("Host", "attacker.example:9091")])
            #expect(reply.status == 421)
            #expect(reply.body.contains("not an allowed host name"))
        }
    }

    @Test func wrongCredentialsGet401() async throws {
        try await Self.withServer(policy: RPCAccessPolicy(username: "u", password: "p")) { port in
            let none = try await Self.post(port, body: "{}")
            #expect(none.status == 401)
            #expect(none.headers.first(name: "WWW-Authenticate")?.hasPrefix("Basic") == true)
            let wrong = try await Self.post(port, body: "{}", headers: [("Authorization", "Basic " + Array("u:x".utf8).base64())])
            #expect(wrong.status == 401)
            let right = try await Self.post(port, body: "{}", headers: [("Authorization", "Basic " + Array("u:p".utf8).base64())])
            #expect(right.status == 409)
        }
    }

    @Test func anOversizeRequestIsRefusedWith413() async throws {
        try await Self.withServer(maxRequestBytes: 1000) { port in
            let first = try await Self.post(port, body: "{}")
            let id = try #require(first.headers.first(name: "X-Transmission-Session-Id"))
            let big = #"{"method":"session-get","arguments":{"x":""# + String(repeating: "a", count: 5000) + #""}}"#
            let reply = try await Self.post(port, body: big, headers: [("X-Transmission-Session-Id", id)])
            #expect(reply.status == 413)
            // The server still answers afterwards.
            let after = try await Self.post(port, body: #"{"method":"session-stats"}"#,
                                            headers: [("X-Transmission-Session-Id", id)])
            #expect(after.status == 200)
            #expect(after.body.contains("torrentCount"))
        }
    }

    @Test func bindingBeyondLoopbackWithoutCredentialsIsRefused() async throws {
        let fixture = try await RPCFixture.make(label: "rpc-bind")
        await #expect(throws: RPCServerError.self) {
            _ = try await RPCServer.start(service: fixture.service,
                                          configuration: RPCServerConfiguration(host: "0.0.0.0", port: 0))
        }
        await fixture.close()
    }
}
