import Foundation

/// A tracker URL taken apart: scheme, host, port, and a display form without the query.
struct TrackerURL: Hashable, Sendable {
    enum Scheme: String, Sendable {
        case http
        case https
        case udp
    }

    let original: String
    let scheme: Scheme
    /// Host name or IP literal (IPv6 without brackets).
    let host: String
    /// The explicit port, or the scheme's default (80, 443); nil for UDP without a port.
    let port: Int?
    /// `scheme://host:port/path`, without query or fragment (passkeys stay out of logs).
    let display: String

    /// Parses `text`; throws `invalidURL` or `unsupportedScheme`.
    init(_ text: String) throws(TrackerError) {
        guard let components = URLComponents(string: text), let schemeText = components.scheme?.lowercased(),
              let rawHost = components.host, !rawHost.isEmpty else {
            throw .invalidURL(Self.redacted(text))
        }
        var host = rawHost
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        var shown = "\(schemeText)://\(host.contains(":") ? "[\(host)]" : host)"
        if let port = components.port { shown += ":\(port)" }
        shown += components.percentEncodedPath
        guard let scheme = Scheme(rawValue: schemeText) else { throw .unsupportedScheme(url: shown) }
        if let port = components.port, !(1...65535).contains(port) { throw .invalidURL(shown) }
        self.original = text
        self.scheme = scheme
        self.host = host
        switch scheme {
        case .http: self.port = components.port ?? 80
        case .https: self.port = components.port ?? 443
        case .udp: self.port = components.port
        }
        self.display = shown
    }

    /// `text` with any query or fragment removed, for messages about URLs that do not parse.
    static func redacted(_ text: String) -> String {
        String(text.prefix { $0 != "?" && $0 != "#" }.prefix(200))
    }
}
