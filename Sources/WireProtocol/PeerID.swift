/// The 20-byte id a peer announces in its handshake and to trackers.
public struct PeerID: Hashable, Sendable, CustomStringConvertible {
    /// The 20 raw bytes.
    public let bytes: [UInt8]

    /// Wraps 20 raw bytes; nil for any other length.
    public init?(bytes: some Collection<UInt8>) {
        guard bytes.count == 20 else { return nil }
        self.bytes = Array(bytes)
    }

    /// The Azureus-style prefix rill puts in front of its ids: client code `RL`, version 0.0.0.1.
    public static let rillPrefix: [UInt8] = Array("-RL0001-".utf8)

    /// A fresh id for this session: `-RL0001-` followed by 12 random letters and digits.
    public static func generate(using generator: inout some RandomNumberGenerator) -> PeerID {
        let alphabet = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".utf8)
        var bytes = rillPrefix
        for _ in 0..<(20 - rillPrefix.count) {
            bytes.append(alphabet[Int(generator.next(upperBound: UInt64(alphabet.count)))])
        }
        return PeerID(unchecked: bytes)
    }

    private init(unchecked bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// Printable ASCII kept, other bytes shown as `%XX` (the form trackers and logs use).
    public var description: String {
        var text = ""
        for byte in bytes {
            if byte >= 0x21 && byte < 0x7F && byte != UInt8(ascii: "%") {
                text.unicodeScalars.append(UnicodeScalar(byte))
            } else {
                let hex = String(byte, radix: 16, uppercase: true)
                text += "%" + (hex.count == 1 ? "0" + hex : hex)
            }
        }
        return text
    }
}
