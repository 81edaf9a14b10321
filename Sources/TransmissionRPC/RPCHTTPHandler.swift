import Foundation
import NIOCore
import NIOHTTP1

/// One HTTP connection of the RPC server (behind NIO's HTTP/1 codec): checks where the request
/// goes and who sends it, reads a bounded body, and answers with what `RPCService` returns.
/// Refusals are HTTP statuses with a one-line explanation; the connection stays usable.
final class RPCHTTPHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    static let path = "/transmission/rpc"

    private let service: RPCService
    private let policy: RPCAccessPolicy
    private let maxBodyBytes: Int
    private var head: HTTPRequestHead?
    private var body: ByteBuffer?
    /// Set when the request was answered already (refused); its body is skipped.
    private var answered = false

    init(service: RPCService, policy: RPCAccessPolicy, maxBodyBytes: Int) {
        self.service = service
        self.policy = policy
        self.maxBodyBytes = maxBodyBytes
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let request):
            head = request
            body = nil
            answered = false
            if let refusal = refusal(for: request) {
                answered = true
                respond(context, refusal.status, text: refusal.text, headers: refusal.headers, keepAlive: request.isKeepAlive)
            }
        case .body(var chunk):
            guard !answered else { return }
            if (body?.readableBytes ?? 0) + chunk.readableBytes > maxBodyBytes {
                answered = true
                respond(context, .payloadTooLarge, text: "the request is larger than \(maxBodyBytes) bytes",
                        keepAlive: false)
                return
            }
            if body == nil { body = chunk } else { body!.writeBuffer(&chunk) }
        case .end:
            guard !answered, let request = head else { return }
            let bytes = body.map { Array($0.readableBytesView) } ?? []
            let service = self.service
            let keepAlive = request.isKeepAlive
            let loop = context.eventLoop
            let boundContext = NIOLoopBound(context, eventLoop: loop)
            Task {
                let answer = await service.handle(bytes)
                loop.execute {
                    var headers = HTTPHeaders()
                    headers.add(name: "Content-Type", value: "application/json; charset=UTF-8")
                    self.respond(boundContext.value, .ok, bytes: answer, headers: headers, keepAlive: keepAlive)
                }
            }
        }
    }

    private struct Refusal {
        var status: HTTPResponseStatus
        var text: String
        var headers = HTTPHeaders()
    }

    private func refusal(for request: HTTPRequestHead) -> Refusal? {
        let path = request.uri.split(separator: "?", maxSplits: 1).first.map(String.init) ?? request.uri
        guard path == Self.path || path == Self.path + "/" else {
            return Refusal(status: .notFound, text: "not found: the RPC is at \(Self.path)")
        }
        switch policy.decide(host: request.headers.first(name: "Host"),
                             authorization: request.headers.first(name: "Authorization"),
                             sessionID: request.headers.first(name: "X-Transmission-Session-Id"),
                             expectedSessionID: service.sessionID) {
        case .misdirected(let host):
            return Refusal(status: .misdirectedRequest,
                           text: "refused: '\(host)' is not an allowed host name for this server "
                               + "(add it to rpc_host_whitelist, or use an IP address)")
        case .unauthorized:
            var headers = HTTPHeaders()
            headers.add(name: "WWW-Authenticate", value: "Basic realm=\"rill\"")
            return Refusal(status: .unauthorized, text: "unauthorized: wrong or missing user name and password",
                           headers: headers)
        case .needsSessionID:
            var headers = HTTPHeaders()
            headers.add(name: "X-Transmission-Session-Id", value: service.sessionID)
            return Refusal(status: .conflict, text: "<h1>409: Conflict</h1><p>Your request had an invalid session-id "
                + "header.</p><p><code>X-Transmission-Session-Id: \(service.sessionID)</code></p>", headers: headers)
        case .allow:
            break
        }
        guard request.method == .POST else {
            var headers = HTTPHeaders()
            headers.add(name: "Allow", value: "POST")
            return Refusal(status: .methodNotAllowed, text: "the RPC takes POST requests", headers: headers)
        }
        if let length = request.headers.first(name: "Content-Length").flatMap(Int.init), length > maxBodyBytes {
            return Refusal(status: .payloadTooLarge, text: "the request is larger than \(maxBodyBytes) bytes")
        }
        return nil
    }

    private func respond(_ context: ChannelHandlerContext, _ status: HTTPResponseStatus, text: String,
                         headers: HTTPHeaders = HTTPHeaders(), keepAlive: Bool) {
        var headers = headers
        headers.add(name: "Content-Type", value: "text/html; charset=UTF-8")
        respond(context, status, bytes: Array(text.utf8), headers: headers, keepAlive: keepAlive)
    }

    private func respond(_ context: ChannelHandlerContext, _ status: HTTPResponseStatus, bytes: [UInt8],
                         headers: HTTPHeaders, keepAlive: Bool) {
        guard context.channel.isActive else { return }
        var headers = headers
        headers.add(name: "Content-Length", value: String(bytes.count))
        headers.add(name: "Server", value: "rill")
        if !keepAlive { headers.add(name: "Connection", value: "close") }
        let version = head?.version ?? .http1_1
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: version, status: status, headers: headers))),
                      promise: nil)
        var buffer = context.channel.allocator.buffer(capacity: bytes.count)
        buffer.writeBytes(bytes)
        context.write(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
        let done = context.eventLoop.makePromise(of: Void.self)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: done)
        let channel = context.channel
        if !keepAlive { done.futureResult.whenComplete { _ in channel.close(promise: nil) } }
    }
}
