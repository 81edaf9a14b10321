import Crypto

/// Write tokens for `announce_peer` (BEP 5): a token is SHA-1 of the requester's IP and a
/// secret that rotates every 5 minutes; tokens made with the current or the previous secret are
/// accepted, so a token lives 5 to 10 minutes and only for the address it was given to.
public struct TokenIssuer: Sendable {
    public let rotation: Duration
    private var current: [UInt8] = []
    private var previous: [UInt8] = []
    private var rotatedAt: SwarmInstant?

    public init(rotation: Duration = .seconds(5 * 60)) {
        self.rotation = rotation
    }

    /// The token to hand to `ip` now.
    public mutating func token(for ip: String, at now: SwarmInstant,
                               using generator: inout some RandomNumberGenerator) -> [UInt8] {
        rotateIfDue(at: now, using: &generator)
        return Self.token(ip: ip, secret: current)
    }

    /// Whether `token` is one we gave to `ip` within the last two rotations.
    public mutating func accepts(_ token: [UInt8], from ip: String, at now: SwarmInstant,
                                 using generator: inout some RandomNumberGenerator) -> Bool {
        rotateIfDue(at: now, using: &generator)
        return token == Self.token(ip: ip, secret: current)
            || (!previous.isEmpty && token == Self.token(ip: ip, secret: previous))
    }

    private mutating func rotateIfDue(at now: SwarmInstant, using generator: inout some RandomNumberGenerator) {
        guard let rotatedAt else {
            current = Self.secret(using: &generator)
            self.rotatedAt = now
            return
        }
        let age = rotatedAt.duration(to: now)
        guard age >= rotation else { return }
        // After two quiet rotations, neither old secret may still be honoured.
        previous = age >= rotation * 2 ? [] : current
        current = Self.secret(using: &generator)
        self.rotatedAt = now
    }

    private static func secret(using generator: inout some RandomNumberGenerator) -> [UInt8] {
        (0..<16).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
    }

    private static func token(ip: String, secret: [UInt8]) -> [UInt8] {
        var hash = Insecure.SHA1()
        hash.update(data: Array(ip.utf8))
        hash.update(data: secret)
        return Array(hash.finalize().prefix(8))
    }
}
