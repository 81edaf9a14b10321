import Foundation

/// Where a Transmission-RPC server listens and how to log in, parsed from a URL such as
/// `http://user:pass@seedbox:9091` or `http://127.0.0.1:9091/transmission/rpc`.
public struct RPCEndpoint: Sendable, Equatable {
    public var scheme: String
    public var host: String
    public var port: Int
    /// The RPC path; `/transmission/rpc` when the URL names none.
    public var path: String
    public var username: String?
    public var password: String?

    /// Why a URL cannot name an RPC server.
    public struct InvalidURL: Error, CustomStringConvertible {
        public let url: String
        public let reason: String
        public var description: String { "'\(url)' is not an RPC address: \(reason)" }
    }

    /// Parses `text`; a bare `HOST:PORT` is taken as `http://HOST:PORT`.
    public init(parsing text: String) throws {
        let withScheme = text.contains("://") ? text : "http://" + text
        guard let components = URLComponents(string: withScheme) else {
            throw InvalidURL(url: text, reason: "it cannot be read as a URL")
        }
        guard let scheme = components.scheme?.lowercased(), scheme == "http" || scheme == "https" else {
            throw InvalidURL(url: text, reason: "only http and https are spoken")
        }
        guard let host = components.host, !host.isEmpty else {
            throw InvalidURL(url: text, reason: "it names no host")
        }
        let port = components.port ?? 9091
        guard (1...65535).contains(port) else { throw InvalidURL(url: text, reason: "the port is out of range") }
        self.scheme = scheme
        self.host = host
        self.port = port
        let path = components.path
        self.path = path.isEmpty || path == "/" ? "/transmission/rpc" : path
        username = components.user?.removingPercentEncoding
        password = components.password?.removingPercentEncoding
    }

    /// The URL requests go to, without credentials.
    public var requestURL: String {
        let bracketed = host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
        return "\(scheme)://\(bracketed):\(port)\(path)"
    }

    /// `host:port`, for the status bar.
    public var hostAndPort: String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    /// The `Authorization` header value for HTTP Basic auth, when the URL carries a user name.
    var basicAuthorization: String? {
        guard let username else { return nil }
        let token = Data("\(username):\(password ?? "")".utf8).base64EncodedString()
        return "Basic \(token)"
    }
}
