import Foundation

/// `Scripts/socks5_proxy.py`: a loopback SOCKS5 proxy with username/password, CONNECT and (unless
/// refused) UDP ASSOCIATE, whose outgoing connections and datagrams all leave from
/// `outgoingAddress`, so a server can tell proxied traffic from traffic that went around it.
public final class SOCKS5ProxyServer: Sendable {
    public static let outgoingAddress = "127.0.0.9"
    public let server: ScriptServer
    public let username: String?
    public let password: String?

    private init(server: ScriptServer, username: String?, password: String?) {
        self.server = server
        self.username = username
        self.password = password
    }

    public static func start(username: String? = nil, password: String? = nil, refuseUDP: Bool = false)
        async throws -> SOCKS5ProxyServer {
        var arguments = ["--outgoing", outgoingAddress]
        if let username, let password { arguments += ["--user", username, "--password", password] }
        if refuseUDP { arguments.append("--no-udp") }
        return SOCKS5ProxyServer(server: try await ScriptServer.start("socks5_proxy.py", arguments),
                                 username: username, password: password)
    }

    /// `start`, or nil (the test skips) when python3 is missing and tools are optional.
    public static func startedOrSkipped(username: String? = nil, password: String? = nil, refuseUDP: Bool = false)
        async throws -> SOCKS5ProxyServer? {
        try await ScriptServer.startedOrSkipped {
            try await start(username: username, password: password, refuseUDP: refuseUDP)
        }
    }

    public var port: Int { server.port }

    /// `socks5://user:pass@127.0.0.1:port`, the form rill's `proxy` setting takes.
    public var url: String {
        let user = username.flatMap { name in password.map { "\(name):\($0)@" } } ?? ""
        return "socks5://\(user)127.0.0.1:\(port)"
    }

    /// `HOST:PORT` of every CONNECT it carried out.
    public var connections: [String] { values(after: "connect ") }
    /// `HOST:PORT` of every datagram it relayed for a client.
    public var datagrams: [String] { values(after: "udp ") }
    /// UDP associations granted.
    public var associations: Int { values(after: "associate ").count }
    /// Requests it refused (UDP ASSOCIATE when told to), by command number.
    public var refusedCommands: [String] { values(after: "refused command ") }

    public func stop() { server.stop() }

    private func values(after prefix: String) -> [String] {
        server.lines.filter { $0.hasPrefix(prefix) }.map { String($0.dropFirst(prefix.count)) }
    }
}
