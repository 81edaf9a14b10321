import Foundation
internal import NIOCore
internal import NIOHTTP1
internal import NIOPosix
internal import NIOSSL
import WireProtocol

/// HTTP(S) GET requests tunnelled through a SOCKS5 proxy with rill's own CONNECT handshake, so a
/// proxy that wants a username and password works (AsyncHTTPClient's SOCKS client has no
/// authentication). Host names go to the proxy unresolved; nothing is looked up or dialled here.
/// One connection per request (`Connection: close`): trackers and web seeds are asked seconds apart.
final class SOCKS5HTTPClient: Sendable {
    /// What one request may cost.
    struct Limits: Sendable {
        var timeout: Duration
        /// Body bytes kept; past this the request fails, or with `truncateBody` ends early.
        var maxBodyBytes: Int
        /// Stop reading (and close) at `maxBodyBytes` instead of failing: for a whole-file reply
        /// of which only a prefix is wanted.
        var truncateBody = false
        var maxRedirects = 3
    }

    /// A reply: status, headers and (up to the limit) the body.
    struct Response: Sendable {
        var status: Int
        var headers: [(name: String, value: String)]
        var body: [UInt8]

        func header(_ name: String) -> String? {
            headers.first { $0.name.caseInsensitiveCompare(name) == .orderedSame }?.value
        }
    }

    let proxy: SOCKS5Proxy
    private let group: any EventLoopGroup
    private let tls: NIOSSLContext?

    init(proxy: SOCKS5Proxy, eventLoopGroup: any EventLoopGroup) {
        self.proxy = proxy
        group = eventLoopGroup
        tls = try? NIOSSLContext(configuration: .makeClientConfiguration())
    }

    /// GETs `url` with `headers`, following up to `limits.maxRedirects` redirects.
    func get(_ url: String, headers: [(String, String)], limits: Limits) async throws(SOCKS5HTTPError) -> Response {
        var current = url
        var redirects = 0
        while true {
            let target = try RequestTarget(current)
            let response = try await fetch(target, headers: headers, limits: limits)
            guard [301, 302, 303, 307, 308].contains(response.status), let location = response.header("Location") else {
                return response
            }
            guard redirects < limits.maxRedirects else { throw .tooManyRedirects(limits.maxRedirects) }
            guard let next = URL(string: location, relativeTo: URL(string: current))?.absoluteString else {
                throw .invalidURL(location)
            }
            redirects += 1
            current = next
        }
    }

    private func fetch(_ target: RequestTarget, headers: [(String, String)], limits: Limits)
        async throws(SOCKS5HTTPError) -> Response {
        guard let address = SOCKS5Address(host: target.host) else { throw .invalidURL(target.host) }
        if target.secure && tls == nil { throw .tls("no TLS configuration") }
        let loop = group.next()
        let timeout = TimeAmount(limits.timeout)
        let established = loop.makePromise(of: SOCKS5BoundAddress.self)
        let reply = loop.makePromise(of: Response.self)
        let credentials = proxy.credentials
        let tls = tls
        let bootstrap = ClientBootstrap(group: loop)
            .connectTimeout(timeout)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let handshake = SOCKS5ClientHandshake(target: address, port: UInt16(target.port),
                                                          credentials: credentials)
                    let sync = channel.pipeline.syncOperations
                    try sync.addHandler(SOCKS5ConnectHandler(handshake: handshake, established: established,
                                                             timeout: timeout))
                    if target.secure, let tls {
                        let hostname = address.isDomain ? target.host : nil
                        try sync.addHandler(NIOSSLClientHandler(context: tls, serverHostname: hostname))
                    }
                    try sync.addHTTPClientHandlers()
                    try sync.addHandler(ResponseCollector(reply: reply, limits: limits))
                }
            }
        let deadline = loop.scheduleTask(in: timeout) { reply.fail(SOCKS5HTTPError.timedOut(limits.timeout)) }
        let channelFuture = bootstrap.connect(host: proxy.host, port: proxy.port)
        channelFuture.whenFailure { error in
            established.fail(error)  // the handshake never started
            reply.fail(error)
        }
        established.futureResult.whenFailure { reply.fail($0) }
        channelFuture.whenSuccess { channel in
            var head = HTTPRequestHead(version: .http1_1, method: .GET, uri: target.pathAndQuery)
            head.headers.add(name: "Host", value: target.hostHeader)
            for (name, value) in headers { head.headers.add(name: name, value: value) }
            head.headers.replaceOrAdd(name: "Connection", value: "close")
            channel.write(HTTPClientRequestPart.head(head), promise: nil)
            channel.writeAndFlush(HTTPClientRequestPart.end(nil), promise: nil)
        }
        reply.futureResult.whenComplete { _ in
            deadline.cancel()
            channelFuture.whenSuccess { $0.close(promise: nil) }
        }
        do {
            return try await withTaskCancellationHandler {
                try await reply.futureResult.get()
            } onCancel: {
                reply.fail(SOCKS5HTTPError.cancelled)
            }
        } catch let error as SOCKS5HTTPError {
            throw error
        } catch let error as SOCKS5Error {
            throw .proxy(error)
        } catch let error as NIOSSLError {
            throw .tls(Self.describe(error))
        } catch let error as NIOSSLExtraError {
            throw .tls("\(error)")
        } catch {
            if let error = error as? ChannelError, case .connectTimeout = error { throw .timedOut(limits.timeout) }
            throw .unreachable(NetworkErrorText.describe(error))
        }
    }

    /// BoringSSL's reasons, shortened to what a user can act on.
    private static func describe(_ error: NIOSSLError) -> String {
        let text = "\(error)"
        if text.contains("CERTIFICATE_VERIFY_FAILED") { return "the server's certificate is not trusted" }
        if case .uncleanShutdown = error { return "the server ended the TLS connection abruptly" }
        return String(text.prefix(200))
    }
}

/// Why a proxied HTTP request failed, in words for the user.
enum SOCKS5HTTPError: Error, Sendable, CustomStringConvertible {
    case invalidURL(String)
    case proxy(SOCKS5Error)
    case tls(String)
    case timedOut(Duration)
    case tooLarge(limit: Int)
    case closedEarly
    case tooManyRedirects(Int)
    case unreachable(String)
    case cancelled

    var description: String {
        switch self {
        case .invalidURL(let url): "not a URL: \(TrackerURL.redacted(url))"
        case .proxy(let error): "\(error)"
        case .tls(let reason): "TLS failed: \(reason)"
        case .timedOut(let after): "no answer within \(after.components.seconds) s"
        case .tooLarge(let limit): "the reply is longer than \(limit) bytes"
        case .closedEarly: "the connection closed before the whole reply"
        case .tooManyRedirects(let count): "more than \(count) redirects"
        case .unreachable(let reason): reason
        case .cancelled: "cancelled"
        }
    }
}

/// An http(s) URL taken apart for one request.
private struct RequestTarget {
    let secure: Bool
    let host: String
    let port: Int
    let pathAndQuery: String
    let hostHeader: String

    init(_ text: String) throws(SOCKS5HTTPError) {
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(),
              scheme == "http" || scheme == "https", var host = components.host, !host.isEmpty else {
            throw .invalidURL(text)
        }
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        secure = scheme == "https"
        let defaultPort = secure ? 443 : 80
        port = components.port ?? defaultPort
        guard (1...65535).contains(port) else { throw .invalidURL(text) }
        self.host = host
        let path = components.percentEncodedPath.isEmpty ? "/" : components.percentEncodedPath
        pathAndQuery = path + (components.percentEncodedQuery.map { "?\($0)" } ?? "")
        let shownHost = host.contains(":") ? "[\(host)]" : host
        hostHeader = port == defaultPort ? shownHost : "\(shownHost):\(port)"
    }
}

/// Gathers one response (head and body up to the limit) and completes the promise with it.
private final class ResponseCollector: ChannelInboundHandler {
    typealias InboundIn = HTTPClientResponsePart

    private let reply: EventLoopPromise<SOCKS5HTTPClient.Response>
    private let limits: SOCKS5HTTPClient.Limits
    private var response: SOCKS5HTTPClient.Response?

    init(reply: EventLoopPromise<SOCKS5HTTPClient.Response>, limits: SOCKS5HTTPClient.Limits) {
        self.reply = reply
        self.limits = limits
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            response = .init(status: Int(head.status.code), headers: head.headers.map { ($0.name, $0.value) }, body: [])
        case .body(let chunk):
            guard var current = response else { return }
            let room = limits.maxBodyBytes - current.body.count
            if chunk.readableBytes > room {
                guard limits.truncateBody else {
                    reply.fail(SOCKS5HTTPError.tooLarge(limit: limits.maxBodyBytes))
                    context.close(promise: nil)
                    return
                }
                current.body.append(contentsOf: chunk.readableBytesView.prefix(room))
                response = nil
                reply.succeed(current)
                context.close(promise: nil)
                return
            }
            current.body.append(contentsOf: chunk.readableBytesView)
            response = current
        case .end:
            if let response { reply.succeed(response) }
            response = nil
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        reply.fail(SOCKS5HTTPError.closedEarly)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        reply.fail(error)
        context.close(promise: nil)
    }
}

extension SOCKS5Address {
    /// True for a host name (which TLS checks the certificate against), false for an IP literal.
    var isDomain: Bool {
        if case .domain = self { return true }
        return false
    }
}
