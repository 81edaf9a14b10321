/// A SOCKS5 address (RFC 1928 section 5): an IPv4 or IPv6 literal, or a host name the proxy resolves.
public enum SOCKS5Address: Sendable, Hashable, CustomStringConvertible {
    case ipv4([UInt8])
    case ipv6([UInt8])
    case domain(String)

    /// An IP literal becomes an address; anything else is a name for the proxy to resolve (so no
    /// DNS query leaves this machine outside the proxy). Nil for a name longer than 255 bytes.
    public init?(host: String) {
        if let bytes = Self.parseIPv4(host) {
            self = .ipv4(bytes)
        } else if let bytes = Self.parseIPv6(host) {
            self = .ipv6(bytes)
        } else {
            let length = host.utf8.count
            guard length > 0, length <= 255 else { return nil }
            self = .domain(host)
        }
    }

    public var description: String {
        switch self {
        case .ipv4(let bytes): return bytes.map(String.init).joined(separator: ".")
        case .ipv6(let bytes):
            return stride(from: 0, to: 16, by: 2).map { String(UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]), radix: 16) }
                .joined(separator: ":")
        case .domain(let name): return name
        }
    }

    /// Address type byte and address bytes.
    func encoded() -> [UInt8] {
        switch self {
        case .ipv4(let bytes): return [0x01] + bytes
        case .ipv6(let bytes): return [0x04] + bytes
        case .domain(let name): return [0x03, UInt8(name.utf8.count)] + Array(name.utf8)
        }
    }

    static func decode(type: UInt8, bytes: [UInt8]) -> SOCKS5Address? {
        switch type {
        case 0x01 where bytes.count == 4: return .ipv4(bytes)
        case 0x04 where bytes.count == 16: return .ipv6(bytes)
        case 0x03 where !bytes.isEmpty: return .domain(String(decoding: bytes.dropFirst(), as: UTF8.self))
        default: return nil
        }
    }

    private static func parseIPv4(_ host: String) -> [UInt8]? {
        let parts = host.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        let bytes = parts.compactMap { part in part.count <= 3 && part.allSatisfy(\.isASCII) ? UInt8(part) : nil }
        return bytes.count == 4 ? bytes : nil
    }

    private static func parseIPv6(_ host: String) -> [UInt8]? {
        var text = Substring(host)
        if text.hasPrefix("["), text.hasSuffix("]") { text = text.dropFirst().dropLast() }
        guard text.contains(":") else { return nil }
        let halves = text.split(separator: "::", omittingEmptySubsequences: false).map(String.init)
        guard halves.count <= 2 else { return nil }
        func groups(_ part: String) -> [UInt16]? {
            if part.isEmpty { return [] }
            let values = part.split(separator: ":", omittingEmptySubsequences: false).map { UInt16($0, radix: 16) }
            return values.contains(nil) ? nil : values.compactMap { $0 }
        }
        guard let head = groups(halves[0]), let tail = halves.count == 2 ? groups(halves[1]) : [] else { return nil }
        let missing = 8 - head.count - tail.count
        guard halves.count == 2 ? missing >= 1 : missing == 0 else { return nil }
        let all = head + [UInt16](repeating: 0, count: halves.count == 2 ? missing : 0) + tail
        return all.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }
    }
}

/// A username and password for RFC 1929 authentication, each 1…255 bytes.
public struct SOCKS5Credentials: Sendable, Hashable {
    public let username: String
    public let password: String

    /// Nil when either part is empty or longer than 255 bytes.
    public init?(username: String, password: String) {
        guard (1...255).contains(username.utf8.count), (1...255).contains(password.utf8.count) else { return nil }
        self.username = username
        self.password = password
    }
}

/// Why a SOCKS5 handshake failed, worded for the user.
public enum SOCKS5Error: Error, Sendable, Equatable, CustomStringConvertible {
    /// A reply code other than "succeeded".
    public enum Reply: Sendable, Equatable {
        case generalFailure, notAllowed, networkUnreachable, hostUnreachable, connectionRefused, ttlExpired
        case commandNotSupported, addressTypeNotSupported, other(UInt8)

        init(code: UInt8) {
            let known: [Reply] = [.generalFailure, .notAllowed, .networkUnreachable, .hostUnreachable,
                                  .connectionRefused, .ttlExpired, .commandNotSupported, .addressTypeNotSupported]
            self = (1...8).contains(code) ? known[Int(code) - 1] : .other(code)
        }
    }

    case noAcceptableMethod
    case authenticationRequired
    case authenticationFailed
    case refused(Reply)
    case malformed(String)

    public var description: String {
        switch self {
        case .noAcceptableMethod: return "the proxy accepts none of our authentication methods"
        case .authenticationRequired: return "the proxy wants a username and password"
        case .authenticationFailed: return "the proxy refused the username or password"
        case .refused(let reply):
            switch reply {
            case .generalFailure: return "the proxy failed"
            case .notAllowed: return "the proxy's rules forbid it"
            case .networkUnreachable: return "network unreachable (via proxy)"
            case .hostUnreachable: return "host unreachable (via proxy)"
            case .connectionRefused: return "connection refused (via proxy)"
            case .ttlExpired: return "TTL expired (via proxy)"
            case .commandNotSupported: return "the proxy does not support this command"
            case .addressTypeNotSupported: return "the proxy does not support this address type"
            case .other(let code): return "the proxy answered with code \(code)"
            }
        case .malformed(let what): return "bad answer from the proxy: \(what)"
        }
    }
}
