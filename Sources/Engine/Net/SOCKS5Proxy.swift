import Foundation
import WireProtocol

/// A SOCKS5 proxy every outgoing connection goes through: `socks5://[user:pass@]host:port`.
/// With one set, peers, HTTP(S) trackers and web seeds are reached through CONNECT, UDP trackers
/// and the DHT through UDP ASSOCIATE (when the proxy refuses it they stay off), and whatever
/// cannot be carried without leaking is turned off: incoming peers (nothing listens), uTP, LSD.
public struct SOCKS5Proxy: Sendable, Hashable, CustomStringConvertible {
    public var host: String
    public var port: Int
    public var credentials: SOCKS5Credentials?

    public init(host: String, port: Int, credentials: SOCKS5Credentials? = nil) {
        self.host = host
        self.port = port
        self.credentials = credentials
    }

    /// Why a proxy setting was refused, in one sentence.
    public struct ParseError: Error, CustomStringConvertible, Equatable {
        public let description: String
    }

    /// Parses `socks5://user:pass@host:port` (user and password percent-encoded when needed;
    /// `socks5h://` is taken as the same, since names are always resolved by the proxy).
    public init(url text: String) throws(ParseError) {
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased() else {
            throw ParseError(description: "\"\(text)\" is not a URL like socks5://user:pass@host:1080")
        }
        guard scheme == "socks5" || scheme == "socks5h" else {
            throw ParseError(description: "only socks5:// proxies are supported, not \(scheme)://")
        }
        guard let host = components.host, !host.isEmpty else {
            throw ParseError(description: "the proxy URL \"\(text)\" has no host")
        }
        guard let port = components.port, (1...65535).contains(port) else {
            throw ParseError(description: "the proxy URL \"\(text)\" needs a port from 1 to 65535")
        }
        guard components.path.isEmpty || components.path == "/", components.query == nil else {
            throw ParseError(description: "the proxy URL \"\(text)\" may not have a path or query")
        }
        self.host = host.hasPrefix("[") ? String(host.dropFirst().dropLast()) : host
        self.port = port
        switch (components.user, components.password) {
        case (nil, nil):
            credentials = nil
        case (let user?, let password?):
            guard let credentials = SOCKS5Credentials(username: user.removingPercentEncoding ?? user,
                                                      password: password.removingPercentEncoding ?? password) else {
                throw ParseError(description: "the proxy's username and password must each be 1 to 255 bytes")
            }
            self.credentials = credentials
        default:
            throw ParseError(description: "the proxy URL needs both a username and a password, or neither")
        }
    }

    /// The URL without the password, for logs and `rill config`.
    public var description: String {
        let user = credentials.map { "\($0.username):***@" } ?? ""
        let shownHost = host.contains(":") ? "[\(host)]" : host
        return "socks5://\(user)\(shownHost):\(port)"
    }
}
