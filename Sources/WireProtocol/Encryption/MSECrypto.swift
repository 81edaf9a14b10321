import Crypto
import TorrentCore

/// The fixed parts of Message Stream Encryption (the "MSE/PE" obfuscation libtorrent, uTorrent,
/// Transmission and aria2 speak): the 768-bit Diffie-Hellman group, the hashes both sides use to
/// find each other's messages and derive RC4 keys, and the crypto method bits.
public enum MSECrypto {
    /// Methods offered in `crypto_provide` and chosen in `crypto_select`.
    public struct Methods: OptionSet, Sendable, Hashable {
        public let rawValue: UInt32
        public init(rawValue: UInt32) { self.rawValue = rawValue }
        public static let plaintext = Methods(rawValue: 1)
        public static let rc4 = Methods(rawValue: 2)
    }

    static let primeHex = "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404"
        + "DDEF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A63A36210000000000090563"
    static let modulus = MontgomeryModulus(bigEndian: hexBytes(primeHex))
    public static let publicKeyLength = 96
    /// The most random padding either side may put before its next message.
    public static let maxPadding = 512
    static let verificationConstant = [UInt8](repeating: 0, count: 8)

    /// A random private key and its public key G^x mod P.
    public struct KeyPair: Sendable {
        public let privateKey: [UInt8]
        public let publicKey: [UInt8]

        public init<R: RandomNumberGenerator>(using generator: inout R) {
            privateKey = (0..<20).map { _ in UInt8.random(in: 0...255, using: &generator) }
            publicKey = MSECrypto.modulus.power([2], privateKey)
        }

        /// The shared secret S with the other side's public key, or nil when that key is not a
        /// number a real peer could send.
        public func sharedSecret(with other: [UInt8]) -> [UInt8]? {
            guard other.count == MSECrypto.publicKeyLength, MSECrypto.modulus.isBelow(other),
                  other.contains(where: { $0 != 0 }), !(other.dropLast().allSatisfy { $0 == 0 } && other.last == 1)
            else { return nil }
            return MSECrypto.modulus.power(other, privateKey)
        }
    }

    /// Reads the other side's public key from the front of `buffer` and returns the shared
    /// secret; nil while fewer than 96 bytes have arrived.
    static func takeSecret(from buffer: inout [UInt8], keys: KeyPair) throws(MSEError) -> [UInt8]? {
        guard buffer.count >= publicKeyLength else { return nil }
        guard let secret = keys.sharedSecret(with: Array(buffer.prefix(publicKeyLength))) else { throw .badPublicKey }
        buffer.removeFirst(publicKeyLength)
        return secret
    }

    /// Drops the padding and `marker` from the front of `buffer` once the marker has arrived
    /// (false until then); a marker not within the longest padding loses the stream.
    static func skipThrough(_ marker: [UInt8], in buffer: inout [UInt8]) throws(MSEError) -> Bool {
        guard let start = buffer.firstIndex(of: marker) else {
            if buffer.count >= maxPadding + marker.count { throw .synchronisationLost }
            return false
        }
        guard start <= maxPadding else { throw .synchronisationLost }
        buffer.removeFirst(start + marker.count)
        return true
    }

    static func sha1(_ parts: [UInt8]...) -> [UInt8] {
        var hasher = Insecure.SHA1()
        for part in parts { hasher.update(data: part) }
        return Array(hasher.finalize())
    }

    /// HASH('req1', S): the marker the initiator puts after its padding.
    static func req1(_ secret: [UInt8]) -> [UInt8] { sha1(Array("req1".utf8), secret) }

    /// HASH('req2', SKEY) xor HASH('req3', S): names the torrent without showing its info-hash.
    static func obfuscatedHash(_ infoHash: InfoHash, secret: [UInt8]) -> [UInt8] {
        let a = sha1(Array("req2".utf8), infoHash.bytes)
        let b = sha1(Array("req3".utf8), secret)
        return zip(a, b).map { $0 ^ $1 }
    }

    /// The RC4 stream of one direction: keyA for initiator → responder, keyB for the way back,
    /// with the first 1024 bytes of key stream thrown away.
    static func cipher(_ label: String, secret: [UInt8], infoHash: InfoHash) -> RC4 {
        var rc4 = RC4(key: sha1(Array(label.utf8), secret, infoHash.bytes))
        rc4.discard(1024)
        return rc4
    }

    static func hexBytes(_ hex: String) -> [UInt8] {
        var out: [UInt8] = []
        var iterator = hex.utf8.makeIterator()
        while let high = iterator.next(), let low = iterator.next() {
            out.append(UInt8(nibble(high) << 4 | nibble(low)))
        }
        return out
    }

    private static func nibble(_ c: UInt8) -> UInt8 {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
        default: c - UInt8(ascii: "A") + 10
        }
    }
}

/// Why an encrypted handshake failed; the connection is closed.
public enum MSEError: Error, Equatable, CustomStringConvertible, Sendable {
    case badPublicKey
    case synchronisationLost
    case unknownTorrent
    case badVerificationConstant
    case noCommonMethod(offered: UInt32)
    case badLength(String, Int)

    public var description: String {
        switch self {
        case .badPublicKey: "the peer's Diffie-Hellman key is not valid"
        case .synchronisationLost: "the peer's encrypted handshake marker was not found"
        case .unknownTorrent: "the peer asked for a torrent we do not have"
        case .badVerificationConstant: "the peer's encrypted handshake did not decrypt"
        case .noCommonMethod(let offered): "the peer offers no encryption method we accept (\(offered))"
        case .badLength(let what, let value): "the peer sent an impossible \(what) of \(value) bytes"
        }
    }
}

/// How an encrypted handshake ended: which method both sides use from here, the ciphers for
/// RC4, and bytes that arrived after the handshake (already decrypted when RC4 was chosen).
public struct MSEOutcome: Sendable {
    public var method: MSECrypto.Methods
    public var infoHash: InfoHash
    public var encryptor: RC4?
    public var decryptor: RC4?
    /// The initial payload and anything after it, as plain bytes for the peer-wire decoder.
    public var received: [UInt8]
}
