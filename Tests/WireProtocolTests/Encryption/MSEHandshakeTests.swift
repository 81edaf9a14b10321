import Testing
import TestSupport
import TorrentCore
@testable import WireProtocol

/// Message Stream Encryption: the maths against independent results, and both handshake sides
/// against each other with every way the bytes can be split, plus what hostile peers send.
@Suite struct MSEHandshakeTests {
    /// A key pair whose private key is chosen, for known answers.
    struct FixedKeys {
        static func pair(_ privateKey: [UInt8]) -> MSECrypto.KeyPair {
            var generator = ReplayGenerator(bytes: privateKey)
            return MSECrypto.KeyPair(using: &generator)
        }
    }

    /// Hands out the given bytes as random numbers, so a key pair can be made from a known key.
    struct ReplayGenerator: RandomNumberGenerator {
        var bytes: [UInt8]
        var index = 0
        mutating func next() -> UInt64 {
            defer { index += 1 }
            return UInt64(bytes[index % bytes.count])
        }
    }

    static let infoHash = InfoHash(text: "0123456789abcdef0123456789abcdef01234567")!
    static let otherHash = InfoHash(text: "fedcba9876543210fedcba9876543210fedcba98")!

    @Test func publicKeyMatchesPythonsModularPower() {
        // pow(2, int.from_bytes(bytes(range(1, 21)), 'big'), P) computed with CPython.
        let keys = FixedKeys.pair(Array(1...20))
        #expect(keys.privateKey == Array(1...20))
        #expect(Hex.encode(keys.publicKey) == "96e112dab29e8c5272accb9b17b26887ce54a144a4e3b697c7d159b7a817e556b0918db2b4c658e02a87f7e5fb14b18a553e084cbf3dad2d30f16596ccb982d406258c61b30c5c1dae2ddc60bdbd48d79896312aad63238c39e1a633821eb693")
        let other = FixedKeys.pair(Array(100...119))
        #expect(Hex.encode(keys.sharedSecret(with: other.publicKey) ?? []) == "c332c9120877056c812935ccc20841f6f3a4c86559adbdc5d83dbe926e647bc874ca4160500cd46e36856c618127c3fc24d342639bf50ee43ce4bc9bad12762e9fd33ebc8af34822b6a8c14491038e4881033861647c4189214209eece87e453")
    }

    @Test func bothSidesAgreeOnTheSecret() {
        var generator = SeededGenerator(seed: 7)
        for _ in 0..<5 {
            let a = MSECrypto.KeyPair(using: &generator)
            let b = MSECrypto.KeyPair(using: &generator)
            #expect(a.sharedSecret(with: b.publicKey) == b.sharedSecret(with: a.publicKey))
        }
    }

    @Test func rc4MatchesTheKnownTestVector() {
        var rc4 = RC4(key: Array("Key".utf8))
        var text = Array("Plaintext".utf8)
        rc4.apply(&text)
        #expect(Hex.encode(text) == "bbf316e8d940af0ad3")
    }

    @Test func rejectsPublicKeysNoPeerCouldSend() {
        var generator = SeededGenerator(seed: 1)
        let keys = MSECrypto.KeyPair(using: &generator)
        #expect(keys.sharedSecret(with: [UInt8](repeating: 0, count: 96)) == nil)
        #expect(keys.sharedSecret(with: [UInt8](repeating: 0, count: 95) + [1]) == nil)
        #expect(keys.sharedSecret(with: [UInt8](repeating: 0xFF, count: 96)) == nil, "not below the prime")
        #expect(keys.sharedSecret(with: [1, 2, 3]) == nil)
    }

    /// Runs both sides against each other, delivering `chunk` bytes at a time.
    func handshake(offered: MSECrypto.Methods, accepted: MSECrypto.Methods, chunk: Int, seed: UInt64,
                   trailing: [UInt8] = [], prefersPlaintext: Bool = false) throws(MSEError) -> (MSEOutcome, MSEOutcome) {
        var generator = SeededGenerator(seed: seed)
        let padA = (0..<Int.random(in: 0...512, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let padB = (0..<Int.random(in: 0...512, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
        var initiator = MSEInitiator(keys: MSECrypto.KeyPair(using: &generator), infoHash: Self.infoHash, offered: offered)
        var responder = MSEResponder(keys: MSECrypto.KeyPair(using: &generator), padding: padB, accepted: accepted,
                                     knownTorrents: [Self.otherHash, Self.infoHash], prefersPlaintext: prefersPlaintext)
        var toResponder = initiator.opening(padding: padA)
        var toInitiator: [UInt8] = []
        var done: (MSEOutcome?, MSEOutcome?) = (nil, nil)
        for _ in 0..<10_000 {
            if !toResponder.isEmpty {
                var piece = Array(toResponder.prefix(chunk))
                toResponder.removeFirst(piece.count)
                if var finished = done.1 {
                    // After the handshake the stream belongs to the chosen method, as in the engine.
                    finished.decryptor?.apply(&piece)
                    finished.received += piece
                    done.1 = finished
                    continue
                }
                let step = try responder.receive(piece)
                toInitiator += step.send
                if let outcome = step.outcome { done.1 = outcome }
            } else if !toInitiator.isEmpty {
                let piece = Array(toInitiator.prefix(chunk))
                toInitiator.removeFirst(piece.count)
                let step = try initiator.receive(piece)
                toResponder += step.send
                if let outcome = step.outcome {
                    done.0 = outcome
                    // What the initiator sends next, under the chosen method.
                    var next = trailing
                    if var encryptor = outcome.encryptor { encryptor.apply(&next); done.0?.encryptor = encryptor }
                    toResponder += next
                }
            } else {
                break
            }
        }
        guard let initiatorOutcome = done.0, let responderOutcome = done.1 else { throw .synchronisationLost }
        return (initiatorOutcome, responderOutcome)
    }

    @Test(arguments: [1, 7, 100, 4096])
    func bothSidesFinishWithRC4WhateverTheChunking(chunk: Int) throws {
        let greeting = Array("\u{13}BitTorrent protocol".utf8) + [UInt8](repeating: 0, count: 48)
        let (initiator, responder) = try handshake(offered: [.rc4, .plaintext], accepted: [.rc4, .plaintext],
                                                   chunk: chunk, seed: UInt64(chunk), trailing: greeting)
        #expect(initiator.method == .rc4 && responder.method == .rc4)
        #expect(responder.infoHash == Self.infoHash, "the responder found the torrent among several")
        #expect(responder.received == greeting, "what followed the handshake arrives decrypted")
        // Both directions keep working after the handshake.
        var a = initiator
        var b = responder
        var message = Array("a piece of data".utf8)
        a.encryptor!.apply(&message)
        b.decryptor!.apply(&message)
        #expect(message == Array("a piece of data".utf8))
        message = Array("and back".utf8)
        b.encryptor!.apply(&message)
        a.decryptor!.apply(&message)
        #expect(message == Array("and back".utf8))
    }

    @Test func plaintextIsChosenWhenThatIsAllBothAllow() throws {
        let (initiator, responder) = try handshake(offered: [.plaintext], accepted: [.rc4, .plaintext], chunk: 50,
                                                   seed: 3, trailing: Array("after".utf8))
        #expect(initiator.method == .plaintext && responder.method == .plaintext)
        #expect(initiator.encryptor == nil && responder.decryptor == nil)
        #expect(responder.received == Array("after".utf8))
    }

    @Test func aResponderPreferringPlaintextChoosesItWhenBothAreOffered() throws {
        let (initiator, responder) = try handshake(offered: [.rc4, .plaintext], accepted: [.rc4, .plaintext], chunk: 64,
                                                   seed: 5, trailing: Array("after".utf8), prefersPlaintext: true)
        #expect(initiator.method == .plaintext && responder.method == .plaintext)
        #expect(responder.received == Array("after".utf8))
        // An initiator that insists on RC4 still gets it.
        let (strict, answer) = try handshake(offered: [.rc4], accepted: [.rc4, .plaintext], chunk: 64, seed: 6,
                                             prefersPlaintext: true)
        #expect(strict.method == .rc4 && answer.method == .rc4)
    }

    @Test func noCommonMethodFails() {
        #expect(throws: MSEError.noCommonMethod(offered: 1)) {
            try handshake(offered: [.plaintext], accepted: [.rc4], chunk: 64, seed: 4)
        }
    }

    @Test func aTorrentWeDoNotHaveIsRefused() throws {
        var generator = SeededGenerator(seed: 5)
        var initiator = MSEInitiator(keys: MSECrypto.KeyPair(using: &generator), infoHash: Self.infoHash, offered: .rc4)
        var responder = MSEResponder(keys: MSECrypto.KeyPair(using: &generator), padding: [], accepted: .rc4,
                                     knownTorrents: [Self.otherHash])
        let reply = try responder.receive(initiator.opening(padding: []))
        let step = try initiator.receive(reply.send)
        #expect(throws: MSEError.unknownTorrent) { try responder.receive(step.send) }
    }

    @Test func garbageWithoutTheMarkerGivesUpAfterTheLongestPadding() throws {
        var generator = SeededGenerator(seed: 6)
        let peer = MSECrypto.KeyPair(using: &generator)
        var responder = MSEResponder(keys: MSECrypto.KeyPair(using: &generator), padding: [], accepted: .rc4,
                                     knownTorrents: [Self.infoHash])
        _ = try responder.receive(peer.publicKey)
        _ = try responder.receive([UInt8](repeating: 0x41, count: 500))
        #expect(throws: MSEError.synchronisationLost) { try responder.receive([UInt8](repeating: 0x41, count: 100)) }
    }

    @Test func aPlainBitTorrentHandshakeIsNotAPublicKey() throws {
        // 68 bytes of a plaintext handshake are not enough for a key: the responder waits, and
        // the engine decides by the first bytes before it ever gets here.
        var generator = SeededGenerator(seed: 8)
        var responder = MSEResponder(keys: MSECrypto.KeyPair(using: &generator), padding: [], accepted: .rc4,
                                     knownTorrents: [Self.infoHash])
        let step = try responder.receive(Array("\u{13}BitTorrent protocol".utf8) + [UInt8](repeating: 0, count: 48))
        #expect(step.send.isEmpty && step.outcome == nil)
    }
}
