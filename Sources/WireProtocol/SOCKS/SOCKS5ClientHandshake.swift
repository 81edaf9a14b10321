/// The client side of a SOCKS5 handshake (RFC 1928) with optional username/password
/// authentication (RFC 1929), as a pure state machine: it returns the bytes to send and, once the
/// proxy has answered the request, the address it bound. No I/O.
///
/// ```
/// client                                   proxy
///   05 n methods (00 none, 02 user/pass) →
///                                        ← 05 method
///   [01 ulen user plen pass]             →          (method 02 only)
///                                        ← [01 status]  (00 = success)
///   05 cmd 00 atyp addr port             →          (cmd 01 CONNECT, 03 UDP ASSOCIATE)
///                                        ← 05 rep 00 atyp addr port   (rep 00 = succeeded)
/// ```
public struct SOCKS5ClientHandshake: Sendable {
    public enum Command: UInt8, Sendable {
        case connect = 0x01
        case udpAssociate = 0x03
    }

    private enum Stage: Sendable {
        case awaitingMethod, awaitingAuthentication, awaitingReply, established, failed
    }

    private let command: Command
    private let target: SOCKS5Address
    private let port: UInt16
    private let credentials: SOCKS5Credentials?
    private var stage = Stage.awaitingMethod
    private var buffer: [UInt8] = []

    /// Asks the proxy to `command` `target`:`port`, authenticating with `credentials` when given.
    public init(command: Command = .connect, target: SOCKS5Address, port: UInt16,
                credentials: SOCKS5Credentials? = nil) {
        self.command = command
        self.target = target
        self.port = port
        self.credentials = credentials
    }

    /// True once the proxy accepted the request; later bytes belong to the tunnelled stream.
    public var isEstablished: Bool { stage == .established }

    /// The first message: the authentication methods we offer.
    public func greeting() -> [UInt8] {
        credentials == nil ? [0x05, 0x01, 0x00] : [0x05, 0x02, 0x00, 0x02]
    }

    /// What one round of proxy bytes led to.
    public enum Step: Sendable, Equatable {
        /// Send these bytes (possibly none) and wait for more.
        case send([UInt8])
        /// The tunnel is open: the proxy's bound address, and bytes that arrived after the reply
        /// (the far end's first bytes), to be passed on.
        case established(bound: SOCKS5Address, port: UInt16, leftover: [UInt8])
    }

    /// Feeds bytes from the proxy. Throws on a refusal or a malformed answer; after that the
    /// handshake is over.
    public mutating func receive(_ bytes: [UInt8]) throws(SOCKS5Error) -> Step {
        guard stage != .failed, stage != .established else { throw .malformed("bytes after the handshake ended") }
        buffer += bytes
        guard buffer.count <= 1024 else { return try fail(.malformed("the proxy's answer is too long")) }
        var output: [UInt8] = []
        while true {
            switch stage {
            case .awaitingMethod:
                guard buffer.count >= 2 else { return .send(output) }
                let (version, method) = (buffer[0], buffer[1])
                buffer.removeFirst(2)
                guard version == 0x05 else { return try fail(.malformed("not a SOCKS5 proxy (version \(version))")) }
                switch method {
                case 0x00:
                    output += request()
                    stage = .awaitingReply
                case 0x02 where credentials != nil:
                    output += authentication()
                    stage = .awaitingAuthentication
                default:
                    return try fail(credentials == nil ? .authenticationRequired : .noAcceptableMethod)
                }
            case .awaitingAuthentication:
                guard buffer.count >= 2 else { return .send(output) }
                let status = buffer[1]
                buffer.removeFirst(2)
                guard status == 0x00 else { return try fail(.authenticationFailed) }
                output += request()
                stage = .awaitingReply
            case .awaitingReply:
                guard buffer.count >= 5 else { return .send(output) }
                guard buffer[0] == 0x05 else { return try fail(.malformed("reply version \(buffer[0])")) }
                let reply = buffer[1]
                guard reply == 0x00 else { return try fail(.refused(SOCKS5Error.Reply(code: reply))) }
                let addressLength: Int
                switch buffer[3] {
                case 0x01: addressLength = 4
                case 0x04: addressLength = 16
                case 0x03: addressLength = 1 + Int(buffer[4])
                default: return try fail(.malformed("address type \(buffer[3])"))
                }
                let total = 4 + addressLength + 2
                guard buffer.count >= total else { return .send(output) }
                let address = SOCKS5Address.decode(type: buffer[3], bytes: Array(buffer[4..<(4 + addressLength)]))
                let port = UInt16(buffer[total - 2]) << 8 | UInt16(buffer[total - 1])
                let leftover = Array(buffer[total...])
                buffer = []
                stage = .established
                guard let address else { return try fail(.malformed("bound address")) }
                return .established(bound: address, port: port, leftover: leftover)
            case .established, .failed:
                return .send(output)
            }
        }
    }

    private mutating func fail(_ error: SOCKS5Error) throws(SOCKS5Error) -> Step {
        stage = .failed
        buffer = []
        throw error
    }

    private func authentication() -> [UInt8] {
        guard let credentials else { return [] }
        let user = Array(credentials.username.utf8)
        let password = Array(credentials.password.utf8)
        return [0x01, UInt8(user.count)] + user + [UInt8(password.count)] + password
    }

    private func request() -> [UInt8] {
        [0x05, command.rawValue, 0x00] + target.encoded() + [UInt8(port >> 8), UInt8(port & 0xFF)]
    }
}
