import TorrentCore

/// The connecting side of an encrypted (MSE/PE) handshake.
///
/// (we send Ya + padding) → Yb → (we send HASH('req1', S), the obfuscated info-hash, and the
/// encrypted VC, crypto_provide and an empty initial payload) → the peer's encrypted VC after up
/// to 512 bytes of padding, crypto_select and its padding → done.
public struct MSEInitiator: Sendable {
    private enum Stage { case publicKey, verification, selection, padding, done }

    private let keys: MSECrypto.KeyPair
    private let infoHash: InfoHash
    private let offered: MSECrypto.Methods
    private var stage = Stage.publicKey
    private var buffer: [UInt8] = []
    private var encryptor: RC4?
    private var decryptor: RC4?
    private var marker: [UInt8] = []
    private var method = MSECrypto.Methods()
    private var paddingLength = 0

    public init(keys: MSECrypto.KeyPair, infoHash: InfoHash, offered: MSECrypto.Methods) {
        self.keys = keys
        self.infoHash = infoHash
        self.offered = offered
    }

    /// The first bytes to send: our public key and `padding` (0–512 random bytes).
    public func opening(padding: [UInt8]) -> [UInt8] {
        keys.publicKey + padding.prefix(MSECrypto.maxPadding)
    }

    /// Takes bytes from the peer; returns bytes to send, and the outcome once complete.
    public mutating func receive(_ bytes: [UInt8]) throws(MSEError) -> (send: [UInt8], outcome: MSEOutcome?) {
        buffer += bytes
        var send: [UInt8] = []
        while true {
            switch stage {
            case .publicKey:
                guard let secret = try MSECrypto.takeSecret(from: &buffer, keys: keys) else { return (send, nil) }
                var encrypt = MSECrypto.cipher("keyA", secret: secret, infoHash: infoHash)
                decryptor = MSECrypto.cipher("keyB", secret: secret, infoHash: infoHash)
                var header = MSECrypto.verificationConstant + offered.rawValue.bigEndianBytes + [0, 0] + [0, 0]
                encrypt.apply(&header)
                encryptor = encrypt
                send += MSECrypto.req1(secret) + MSECrypto.obfuscatedHash(infoHash, secret: secret) + header
                marker = decryptor!.peek(MSECrypto.verificationConstant)
                stage = .verification
            case .verification:
                guard try MSECrypto.skipThrough(marker, in: &buffer) else { return (send, nil) }
                var constant = marker  // the encrypted VC: run it through to keep the stream in step
                decryptor!.apply(&constant)
                stage = .selection
            case .selection:
                guard buffer.count >= 6 else { return (send, nil) }
                var selection = Array(buffer.prefix(6))
                buffer.removeFirst(6)
                decryptor!.apply(&selection)
                method = MSECrypto.Methods(rawValue: UInt32(bigEndian: selection, at: 0))
                guard method == .rc4 || method == .plaintext, offered.contains(method) else {
                    throw .noCommonMethod(offered: offered.rawValue)
                }
                paddingLength = Int(selection[4]) << 8 | Int(selection[5])
                guard paddingLength <= MSECrypto.maxPadding else { throw .badLength("padding", paddingLength) }
                stage = .padding
            case .padding:
                guard buffer.count >= paddingLength else { return (send, nil) }
                var padding = Array(buffer.prefix(paddingLength))
                decryptor!.apply(&padding)
                buffer.removeFirst(paddingLength)
                var rest = buffer
                buffer = []
                if method == .rc4 { decryptor!.apply(&rest) }
                stage = .done
                return (send, MSEOutcome(method: method, infoHash: infoHash, encryptor: method == .rc4 ? encryptor : nil,
                                         decryptor: method == .rc4 ? decryptor : nil, received: rest))
            case .done:
                return (send, nil)
            }
        }
    }
}
