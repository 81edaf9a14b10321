import TorrentCore

/// The receiving side of an encrypted (MSE/PE) handshake, fed the bytes as they arrive.
///
/// Ya → (we send Yb + padding) → HASH('req1', S) after up to 512 bytes of padding →
/// HASH('req2', SKEY) xor HASH('req3', S) naming the torrent → encrypted VC, crypto_provide,
/// padding and the initial payload → (we send encrypted VC and crypto_select) → done.
public struct MSEResponder: Sendable {
    private enum Stage { case publicKey, marker, torrent, header, padding, initialPayload, done }

    private let keys: MSECrypto.KeyPair
    private let padding: [UInt8]
    private let accepted: MSECrypto.Methods
    private let prefersPlaintext: Bool
    private let knownTorrents: [InfoHash]
    private var stage = Stage.publicKey
    private var buffer: [UInt8] = []
    private var secret: [UInt8] = []
    private var infoHash: InfoHash?
    private var encryptor: RC4?
    private var decryptor: RC4?
    private var offered = MSECrypto.Methods()
    private var paddingLength = 0
    private var payloadLength = 0
    /// Bounds a peer cannot exceed: padding of 512 bytes, an initial payload of a few handshakes.
    static let maxInitialPayload = 4096

    /// `padding`: 0–512 random bytes sent after our public key; `accepted`: the methods we allow;
    /// `knownTorrents`: the info-hashes a peer may ask for; `prefersPlaintext`: when the peer offers
    /// both methods, choose plaintext after the obfuscated handshake (as libtorrent does by default:
    /// RC4 on every byte was a third of a seeder's CPU), else RC4.
    public init(keys: MSECrypto.KeyPair, padding: [UInt8], accepted: MSECrypto.Methods, knownTorrents: [InfoHash],
                prefersPlaintext: Bool = false) {
        self.prefersPlaintext = prefersPlaintext
        self.keys = keys
        self.padding = Array(padding.prefix(MSECrypto.maxPadding))
        self.accepted = accepted
        self.knownTorrents = knownTorrents
    }

    /// Takes bytes from the peer; returns bytes to send back, and the outcome once complete.
    public mutating func receive(_ bytes: [UInt8]) throws(MSEError) -> (send: [UInt8], outcome: MSEOutcome?) {
        buffer += bytes
        var send: [UInt8] = []
        while true {
            switch stage {
            case .publicKey:
                guard let shared = try MSECrypto.takeSecret(from: &buffer, keys: keys) else { return (send, nil) }
                secret = shared
                send += keys.publicKey + padding
                stage = .marker
            case .marker:
                guard try MSECrypto.skipThrough(MSECrypto.req1(secret), in: &buffer) else { return (send, nil) }
                stage = .torrent
            case .torrent:
                guard buffer.count >= 20 else { return (send, nil) }
                let named = Array(buffer.prefix(20))
                buffer.removeFirst(20)
                guard let found = knownTorrents.first(where: { MSECrypto.obfuscatedHash($0, secret: secret) == named })
                else { throw .unknownTorrent }
                infoHash = found
                decryptor = MSECrypto.cipher("keyA", secret: secret, infoHash: found)
                encryptor = MSECrypto.cipher("keyB", secret: secret, infoHash: found)
                stage = .header
            case .header:
                guard var header = take(14) else { return (send, nil) }
                decryptor!.apply(&header)
                guard header.prefix(8).allSatisfy({ $0 == 0 }) else { throw .badVerificationConstant }
                offered = MSECrypto.Methods(rawValue: UInt32(bigEndian: header, at: 8))
                paddingLength = Int(header[12]) << 8 | Int(header[13])
                guard paddingLength <= MSECrypto.maxPadding else { throw .badLength("padding", paddingLength) }
                stage = .padding
            case .padding:
                guard var padAndLength = take(paddingLength + 2) else { return (send, nil) }
                decryptor!.apply(&padAndLength)
                payloadLength = Int(padAndLength[paddingLength]) << 8 | Int(padAndLength[paddingLength + 1])
                guard payloadLength <= Self.maxInitialPayload else { throw .badLength("initial payload", payloadLength) }
                stage = .initialPayload
            case .initialPayload:
                guard var payload = take(payloadLength) else { return (send, nil) }
                decryptor!.apply(&payload)
                let common = offered.intersection(accepted)
                let preferred: MSECrypto.Methods = prefersPlaintext ? .plaintext : .rc4
                let method: MSECrypto.Methods = common.contains(preferred) ? preferred
                    : common.contains(.rc4) ? .rc4 : common.contains(.plaintext) ? .plaintext : []
                guard !method.isEmpty else { throw .noCommonMethod(offered: offered.rawValue) }
                var reply = MSECrypto.verificationConstant + method.rawValue.bigEndianBytes + [0, 0]
                encryptor!.apply(&reply)
                send += reply
                var rest = buffer
                buffer = []
                if method == .rc4 { decryptor!.apply(&rest) }
                stage = .done
                let outcome = MSEOutcome(method: method, infoHash: infoHash!,
                                         encryptor: method == .rc4 ? encryptor : nil,
                                         decryptor: method == .rc4 ? decryptor : nil, received: payload + rest)
                return (send, outcome)
            case .done:
                return (send, nil)
            }
        }
    }

    private mutating func take(_ count: Int) -> [UInt8]? {
        guard buffer.count >= count else { return nil }
        defer { buffer.removeFirst(count) }
        return Array(buffer.prefix(count))
    }
}

extension Array where Element == UInt8 {
    /// The first index at which `needle` occurs.
    func firstIndex(of needle: [UInt8]) -> Int? {
        guard !needle.isEmpty, count >= needle.count else { return nil }
        for start in 0...(count - needle.count) where self[start] == needle[0] {
            if self[start..<(start + needle.count)].elementsEqual(needle) { return start }
        }
        return nil
    }
}

extension UInt32 {
    init(bigEndian bytes: [UInt8], at offset: Int) {
        self = UInt32(bytes[offset]) << 24 | UInt32(bytes[offset + 1]) << 16 | UInt32(bytes[offset + 2]) << 8
            | UInt32(bytes[offset + 3])
    }

    var bigEndianBytes: [UInt8] {
        [UInt8(truncatingIfNeeded: self >> 24), UInt8(truncatingIfNeeded: self >> 16),
         UInt8(truncatingIfNeeded: self >> 8), UInt8(truncatingIfNeeded: self)]
    }
}
