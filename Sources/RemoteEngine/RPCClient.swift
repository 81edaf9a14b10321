internal import AsyncHTTPClient
import Foundation
internal import NIOCore
internal import NIOFoundationCompat
internal import NIOHTTP1

/// Calls methods of a Transmission-RPC server: JSON over HTTP POST, with the
/// `X-Transmission-Session-Id` handshake (a 409 carries the id to use; the call is sent again
/// once) and HTTP Basic auth from the endpoint's user name.
final class RPCClient: Sendable {
    let endpoint: RPCEndpoint
    private let http: HTTPClient
    private let sessionID = LockedValue<String?>(nil)
    /// A `torrent-get` of many torrents is large; anything past this is refused, not buffered.
    private static let maxResponseBytes = 64 << 20

    init(endpoint: RPCEndpoint) {
        self.endpoint = endpoint
        var configuration = HTTPClient.Configuration()
        configuration.timeout = .init(connect: .seconds(5), read: .seconds(30))
        configuration.redirectConfiguration = .disallow
        http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    /// Calls `method` and returns its `arguments` (empty when the server sent none).
    func call(_ method: String, _ arguments: [String: Any] = [:]) async throws -> [String: Any] {
        var request: [String: Any] = ["method": method]
        if !arguments.isEmpty { request["arguments"] = arguments }
        let body: Data
        do {
            body = try JSONSerialization.data(withJSONObject: request)
        } catch {
            throw RPCError.malformedResponse("the request for \(method) cannot be encoded")
        }
        for attempt in 0..<2 {
            let (status, headers, bytes) = try await post(body)
            if status == 409, attempt == 0, let id = headers.first(name: "X-Transmission-Session-Id") {
                sessionID.set(id)
                continue
            }
            guard status == 200 else { throw RPCError.http(status: status, endpoint.requestURL) }
            return try Self.decodeResponse(bytes, method: method)
        }
        throw RPCError.http(status: 409, endpoint.requestURL)
    }

    /// Parses a response body: `result` must be "success"; anything else is the server's refusal.
    static func decodeResponse(_ bytes: Data, method: String) throws -> [String: Any] {
        guard let object = try? JSONSerialization.jsonObject(with: bytes),
              let response = object as? [String: Any] else {
            throw RPCError.malformedResponse("\(method) did not return a JSON object")
        }
        guard let result = response["result"] as? String else {
            throw RPCError.malformedResponse("\(method) returned no result")
        }
        guard result == "success" else { throw RPCError.refused(method: method, result: result) }
        return response["arguments"] as? [String: Any] ?? [:]
    }

    private func post(_ body: Data) async throws -> (Int, HTTPHeaders, Data) {
        var request = HTTPClientRequest(url: endpoint.requestURL)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        if let id = sessionID.get() { request.headers.add(name: "X-Transmission-Session-Id", value: id) }
        if let authorization = endpoint.basicAuthorization {
            request.headers.add(name: "Authorization", value: authorization)
        }
        request.body = .bytes(ByteBuffer(data: body))
        do {
            let response = try await http.execute(request, timeout: .seconds(30))
            let buffer = try await response.body.collect(upTo: Self.maxResponseBytes)
            return (Int(response.status.code), response.headers, Data(buffer: buffer))
        } catch let error as RPCError {
            throw error
        } catch {
            throw RPCError.unreachable(endpoint.requestURL, reason: Self.sentence(for: error))
        }
    }

    private static func sentence(for error: Error) -> String {
        if let client = error as? HTTPClientError {
            if client == .connectTimeout || client == .deadlineExceeded || client == .readTimeout {
                return "no answer in time"
            }
            if client == .remoteConnectionClosed { return "the server closed the connection" }
            if client == .bodyLengthMismatch { return "the answer was cut short" }
        }
        if error is NIOTooManyBytesError { return "the answer is larger than \(maxResponseBytes >> 20) MiB" }
        let text = "\(error)"
        if text.contains("refused") { return "connection refused" }
        return text
    }

    /// Stops the HTTP client; no call may follow.
    func shutdown() async {
        try? await http.shutdown()
    }
}

/// A value behind a lock, for the little mutable state shared between the poll task and callers.
final class LockedValue<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value

    init(_ value: Value) { self.value = value }

    func get() -> Value { lock.withLock { value } }
    func set(_ newValue: Value) { lock.withLock { value = newValue } }

    @discardableResult
    func update<Result>(_ body: (inout Value) -> Result) -> Result { lock.withLock { body(&value) } }
}
