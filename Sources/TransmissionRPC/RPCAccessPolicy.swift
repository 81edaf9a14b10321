import Foundation

/// Who may use the RPC, decided from a request's headers before its body is read: the Host
/// header against DNS rebinding (CVE-2018-5702), HTTP Basic credentials, and the CSRF session id.
/// Pure, so every refusal is tested without sockets.
public struct RPCAccessPolicy: Sendable {
    public var username: String?
    public var password: String?
    /// Host names allowed besides `localhost` and IP literals (e.g. the seedbox's name).
    public var allowedHostNames: Set<String>

    public init(username: String? = nil, password: String? = nil, allowedHostNames: Set<String> = []) {
        self.username = username
        self.password = password
        self.allowedHostNames = Set(allowedHostNames.map { $0.lowercased() })
    }

    public var requiresCredentials: Bool { username != nil || password != nil }

    /// The answer to a request, before the method runs.
    public enum Decision: Equatable, Sendable {
        case allow
        /// 421: the Host header names a host this server is not meant to be reached by.
        case misdirected(host: String)
        /// 401: missing or wrong credentials.
        case unauthorized
        /// 409: the session id is missing or stale; the answer carries the right one.
        case needsSessionID
    }

    public func decide(host: String?, authorization: String?, sessionID: String?, expectedSessionID: String) -> Decision {
        if requiresCredentials {
            guard let authorization, credentialsMatch(authorization) else { return .unauthorized }
        } else if let host, !isAllowed(host: host) {
            // With credentials required, a rebinding page cannot get in anyway (Transmission's rule too).
            return .misdirected(host: host)
        }
        guard sessionID == expectedSessionID else { return .needsSessionID }
        return .allow
    }

    /// `localhost`, `localhost.`, any IPv4 or IPv6 literal, or a configured name; the port is ignored.
    public func isAllowed(host header: String) -> Bool {
        let host = Self.hostName(header).lowercased()
        if host == "localhost" || host == "localhost." { return true }
        if allowedHostNames.contains(host) { return true }
        return Self.isIPLiteral(host)
    }

    static func hostName(_ header: String) -> String {
        let trimmed = header.trimmingCharacters(in: .whitespaces)
        if trimmed.hasPrefix("["), let close = trimmed.firstIndex(of: "]") {
            return String(trimmed[trimmed.index(after: trimmed.startIndex)..<close])
        }
        if trimmed.filter({ $0 == ":" }).count == 1, let colon = trimmed.firstIndex(of: ":") {
            return String(trimmed[..<colon])
        }
        return trimmed
    }

    static func isIPLiteral(_ host: String) -> Bool {
        var v4 = in_addr()
        var v6 = in6_addr()
        return inet_pton(AF_INET, host, &v4) == 1 || inet_pton(AF_INET6, host, &v6) == 1
    }

    private func credentialsMatch(_ header: String) -> Bool {
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "basic",
              let decoded = Data(base64Encoded: String(parts[1]).trimmingCharacters(in: .whitespaces)),
              let text = String(data: decoded, encoding: .utf8), let colon = text.firstIndex(of: ":") else { return false }
        let user = String(text[..<colon])
        let pass = String(text[text.index(after: colon)...])
        return Self.constantTimeEqual(user, username ?? "") && Self.constantTimeEqual(pass, password ?? "")
    }

    private static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        var difference = UInt8(x.count == y.count ? 0 : 1)
        for index in 0..<max(x.count, y.count) {
            difference |= (index < x.count ? x[index] : 0) ^ (index < y.count ? y[index] : 0)
        }
        return difference == 0
    }
}
