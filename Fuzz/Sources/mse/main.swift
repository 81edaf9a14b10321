// MSE/PE: the two handshake state machines fed a peer's bytes, split as a socket might split them.
//
// Random bytes rarely get past the Diffie-Hellman key and the SHA-1 markers, so besides raw
// input the harness can play an honest peer with a fixed key pair: it sends a real public key,
// real markers and the RC4 stream, and the fuzzer's bytes become what that peer encrypts (its
// padding lengths, method bits, initial payload). Then the outcome is checked against what the
// peer meant: the torrent, the method, the bytes after the handshake, and our own replies.
import Crypto
import FuzzSupport
import TorrentCore
import WireProtocol

/// Hands out the given bytes as random numbers, so a key pair can be made from a known key.
struct ReplayGenerator: RandomNumberGenerator {
    var bytes: [UInt8]
    var index = 0
    mutating func next() -> UInt64 {
        defer { index += 1 }
        return UInt64(bytes[index % bytes.count])
    }
}

func keyPair(_ privateKey: [UInt8]) -> MSECrypto.KeyPair {
    var generator = ReplayGenerator(bytes: privateKey)
    return MSECrypto.KeyPair(using: &generator)
}

let infoHash = InfoHash(text: "0123456789abcdef0123456789abcdef01234567")!
let otherHash = InfoHash(text: "fedcba9876543210fedcba9876543210fedcba98")!
let unknownHash = InfoHash(text: "00000000000000000000000000000000000000ff")!
let ourKeys = keyPair(Array(1...20))
let peerKeys = keyPair(Array(100...119))
let secret = peerKeys.sharedSecret(with: ourKeys.publicKey)!

func sha1(_ parts: [UInt8]...) -> [UInt8] {
    var hasher = Insecure.SHA1()
    for part in parts { hasher.update(data: part) }
    return Array(hasher.finalize())
}

/// The RC4 stream of one direction, as MSE defines it: key "keyA" or "keyB", 1024 bytes dropped.
func cipher(_ label: String, _ hash: InfoHash) -> RC4 {
    var rc4 = RC4(key: sha1(Array(label.utf8), secret, hash.bytes))
    rc4.discard(1024)
    return rc4
}

func obfuscated(_ hash: InfoHash) -> [UInt8] {
    zip(sha1(Array("req2".utf8), hash.bytes), sha1(Array("req3".utf8), secret)).map { $0 ^ $1 }
}

func methods(_ bits: UInt8) -> MSECrypto.Methods {
    switch bits % 4 {
    case 0: return .rc4
    case 1: return .plaintext
    case 2: return [.rc4, .plaintext]
    default: return MSECrypto.Methods(rawValue: 0xFFFF_FFFF)
    }
}

func bigEndian(_ value: UInt32) -> [UInt8] {
    [UInt8(truncatingIfNeeded: value >> 24), UInt8(truncatingIfNeeded: value >> 16),
     UInt8(truncatingIfNeeded: value >> 8), UInt8(truncatingIfNeeded: value)]
}

func bigEndian(_ value: UInt16) -> [UInt8] { [UInt8(value >> 8), UInt8(value & 0xFF)] }

/// What the honest peer put inside its encrypted header, when the harness built it from fields.
struct PlannedHeader {
    var method: UInt32
    var paddingLength: Int
    /// The initial payload (initiator → responder only).
    var payload: [UInt8]
    var trailing: [UInt8]
}

/// Feeds `stream` in pieces to `receive` until the handshake ends; returns what came back, the
/// outcome (nil after an error, which closes the connection), and the bytes not fed yet, which
/// the connection would pass through the outcome's decryptor.
func run(_ stream: [UInt8], sizes: [UInt8], _ receive: (inout [UInt8], [UInt8]) throws -> MSEOutcome?)
    -> (sent: [UInt8], outcome: MSEOutcome?, unfed: [UInt8])
{
    var sent: [UInt8] = []
    var fed = 0
    for piece in split(stream, sizes: sizes) {
        fed += piece.count
        do {
            if let outcome = try receive(&sent, piece) { return (sent, outcome, Array(stream[fed...])) }
        } catch {
            return (sent, nil, [])
        }
    }
    return (sent, nil, [])
}

/// Everything the peer sent after its handshake, as the connection would read it with RC4.
func plainAfterHandshake(_ outcome: MSEOutcome, unfed: [UInt8]) -> [UInt8] {
    var rest = unfed
    var decryptor = outcome.decryptor
    decryptor?.apply(&rest)
    return outcome.received + rest
}

// MARK: - Responder under test (the peer connects to us)

func fuzzResponder(_ input: inout FuzzInput, structured: Bool, offeredBits: UInt8, acceptedBits: UInt8,
                   sizes: [UInt8]) {
    let accepted = methods(acceptedBits)
    var responder = MSEResponder(keys: ourKeys, padding: input.take(Int(input.byte()) % 8), accepted: accepted,
                                 knownTorrents: [otherHash, infoHash])
    var stream: [UInt8]
    var planned: PlannedHeader?
    var asked = infoHash
    if structured {
        let choice = input.byte()
        asked = choice % 16 == 0 ? unknownHash : choice % 16 == 1 ? otherHash : infoHash
        var encrypt = cipher("keyA", asked)
        stream = peerKeys.publicKey + input.take(Int(input.uint16()) % 600) + sha1(Array("req1".utf8), secret)
            + obfuscated(asked)
        var plain: [UInt8]
        if input.bool() {
            let header = PlannedHeader(method: methods(offeredBits).rawValue, paddingLength: Int(input.uint16()) % 600,
                                       payload: [], trailing: [])
            let padding = input.take(header.paddingLength)
            let payload = input.take(Int(input.uint16()) % 5000)
            let trailing = input.rest()
            plain = [UInt8](repeating: 0, count: 8) + bigEndian(header.method) + bigEndian(UInt16(header.paddingLength))
                + padding + bigEndian(UInt16(payload.count)) + payload + trailing
            planned = PlannedHeader(method: header.method, paddingLength: padding.count, payload: payload,
                                    trailing: trailing)
        } else {
            plain = input.rest()
        }
        encrypt.apply(&plain)
        stream += plain
    } else {
        stream = input.rest()
    }

    let (sent, outcome, unfed) = run(stream, sizes: sizes) { sent, piece in
        let (send, outcome) = try responder.receive(piece)
        sent += send
        return outcome
    }
    guard let outcome else { return }
    expect(outcome.infoHash == infoHash || outcome.infoHash == otherHash, "responder finished for a torrent it does not know")
    expect(outcome.method == .rc4 || outcome.method == .plaintext, "responder chose \(outcome.method.rawValue)")
    expect(accepted.contains(outcome.method), "responder chose a method it does not accept")
    expect((outcome.method == .rc4) == (outcome.encryptor != nil && outcome.decryptor != nil), "ciphers do not match the method")
    expect((try? responder.receive([1, 2, 3]))?.send.isEmpty ?? false, "a finished responder answered again")
    guard structured else { return }
    expect(outcome.infoHash == asked, "responder finished for \(outcome.infoHash), asked \(asked)")
    // Our reply: our key and padding, then VC, crypto_select and no padding, RC4'd with keyB.
    expect(sent.count >= 96 + 14, "responder reply of \(sent.count) bytes")
    var reply = Array(sent.suffix(14))
    var decrypt = cipher("keyB", asked)
    decrypt.apply(&reply)
    expect(reply == [UInt8](repeating: 0, count: 8) + bigEndian(outcome.method.rawValue) + [0, 0],
           "responder's encrypted reply does not decrypt to VC and crypto_select")
    if let planned {
        expect(MSECrypto.Methods(rawValue: planned.method).contains(outcome.method), "responder chose a method not offered")
        expect(outcome.received.starts(with: planned.payload), "initial payload lost")
        if outcome.method == .rc4 {
            expect(plainAfterHandshake(outcome, unfed: unfed) == planned.payload + planned.trailing,
                   "bytes after the handshake changed")
        }
    }
}

// MARK: - Initiator under test (we connect to the peer)

func fuzzInitiator(_ input: inout FuzzInput, structured: Bool, offeredBits: UInt8, selectBits: UInt8,
                   sizes: [UInt8]) {
    let offered = methods(offeredBits)
    var initiator = MSEInitiator(keys: ourKeys, infoHash: infoHash, offered: offered)
    let opening = initiator.opening(padding: input.take(Int(input.byte()) % 8))
    expect(opening.starts(with: ourKeys.publicKey), "initiator's opening does not start with its key")

    var stream: [UInt8]
    var planned: PlannedHeader?
    if structured {
        var encrypt = cipher("keyB", infoHash)
        stream = peerKeys.publicKey + input.take(Int(input.uint16()) % 600)
        var plain: [UInt8]
        if input.bool() {
            let method = selectBits % 4 == 3 ? input.uint32() : methods(selectBits).rawValue
            let padding = input.take(Int(input.uint16()) % 600)
            let trailing = input.rest()
            plain = [UInt8](repeating: 0, count: 8) + bigEndian(method) + bigEndian(UInt16(padding.count)) + padding + trailing
            planned = PlannedHeader(method: method, paddingLength: padding.count, payload: [], trailing: trailing)
        } else {
            plain = input.rest()
        }
        encrypt.apply(&plain)
        stream += plain
    } else {
        stream = input.rest()
    }

    let (sent, outcome, unfed) = run(stream, sizes: sizes) { sent, piece in
        let (send, outcome) = try initiator.receive(piece)
        sent += send
        return outcome
    }
    if structured, sent.count >= 56 {
        // After the peer's key: HASH('req1', S), the obfuscated hash, then VC, crypto_provide,
        // no padding and no initial payload, RC4'd with keyA.
        expect(Array(sent.prefix(20)) == sha1(Array("req1".utf8), secret), "initiator's req1 marker is wrong")
        expect(Array(sent[20..<40]) == obfuscated(infoHash), "initiator's obfuscated info-hash is wrong")
        var header = Array(sent[40..<56])
        var decrypt = cipher("keyA", infoHash)
        decrypt.apply(&header)
        expect(header == [UInt8](repeating: 0, count: 8) + bigEndian(offered.rawValue) + [0, 0, 0, 0],
               "initiator's encrypted header does not decrypt")
    }
    guard let outcome else { return }
    expect(outcome.infoHash == infoHash, "initiator finished for another torrent")
    expect(outcome.method == .rc4 || outcome.method == .plaintext, "initiator accepted method \(outcome.method.rawValue)")
    expect(offered.contains(outcome.method), "initiator accepted a method it did not offer")
    expect((outcome.method == .rc4) == (outcome.encryptor != nil && outcome.decryptor != nil), "ciphers do not match the method")
    expect((try? initiator.receive([1, 2, 3]))?.send.isEmpty ?? false, "a finished initiator answered again")
    if let planned {
        expect(outcome.method.rawValue == planned.method, "initiator finished with a method the peer did not select")
        if outcome.method == .rc4 {
            expect(plainAfterHandshake(outcome, unfed: unfed) == planned.trailing, "bytes after the handshake changed")
        }
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    var input = FuzzInput(start, count)
    let mode = input.byte()
    let sizes = input.take(Int(input.byte() % 4))
    if mode & 1 == 0 {
        fuzzResponder(&input, structured: mode & 2 != 0, offeredBits: mode >> 2, acceptedBits: mode >> 4, sizes: sizes)
    } else {
        fuzzInitiator(&input, structured: mode & 2 != 0, offeredBits: mode >> 2, selectBits: mode >> 4, sizes: sizes)
    }
    return 0
}
