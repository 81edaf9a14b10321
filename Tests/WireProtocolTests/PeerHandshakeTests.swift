import NIOCore
import Testing
import TorrentCore
@testable import WireProtocol

@Suite struct PeerHandshakeTests {
    let infoHash = InfoHash(bytes: Array(1...20))!
    let peerID = PeerID(bytes: Array("-LT2090-abcdefghijkl".utf8))!

    /// A handshake as libtorrent sends it: extension protocol, fast extension and DHT bits set.
    var libtorrentBytes: [UInt8] {
        [19] + Array("BitTorrent protocol".utf8) + [0, 0, 0, 0, 0, 0x10, 0, 0x05] + Array(1...20)
            + Array("-LT2090-abcdefghijkl".utf8)
    }

    @Test func parsesACapturedHandshakeAndItsBits() throws {
        var buffer = ByteBuffer(bytes: libtorrentBytes + [0, 0, 0, 0])
        let handshake = try #require(try PeerHandshake.parse(from: &buffer))
        #expect(handshake.infoHash == infoHash)
        #expect(handshake.peerID == peerID)
        #expect(handshake.supportsExtensionProtocol)
        #expect(handshake.supportsFastExtension)
        #expect(handshake.supportsDHT)
        #expect(buffer.readableBytes == 4, "bytes after the handshake stay for the frame decoder")
    }

    @Test func readsNoBitsFromAPlainHandshake() throws {
        var bytes = libtorrentBytes
        for i in 20..<28 { bytes[i] = 0 }
        var buffer = ByteBuffer(bytes: bytes)
        let handshake = try #require(try PeerHandshake.parse(from: &buffer))
        #expect(!handshake.supportsExtensionProtocol)
        #expect(!handshake.supportsFastExtension)
        #expect(!handshake.supportsDHT)
    }

    @Test func encodesTheSameBytes() {
        let handshake = PeerHandshake(reserved: [.extensionProtocol, .fastExtension, .dht], infoHash: infoHash, peerID: peerID)
        let buffer = handshake.encoded()
        #expect(buffer.getBytes(at: 0, length: buffer.readableBytes) == libtorrentBytes)
    }

    @Test func keepsUnknownReservedBits() throws {
        var bytes = libtorrentBytes
        bytes[20] = 0x80
        var buffer = ByteBuffer(bytes: bytes)
        let handshake = try #require(try PeerHandshake.parse(from: &buffer))
        #expect(handshake.reserved.bytes == [0x80, 0, 0, 0, 0, 0x10, 0, 0x05])
        #expect(handshake.encoded().getBytes(at: 0, length: 68) == bytes)
    }

    @Test func waitsForAllBytesWhenFedOneAtATime() throws {
        var buffer = ByteBuffer()
        for (offset, byte) in libtorrentBytes.enumerated() {
            buffer.writeInteger(byte)
            let parsed = try PeerHandshake.parse(from: &buffer)
            if offset < 67 {
                #expect(parsed == nil)
                #expect(buffer.readableBytes == offset + 1)
            } else {
                #expect(parsed?.peerID == peerID)
            }
        }
    }

    @Test func givesTheInfoHashBeforeThePeerID() throws {
        let header = try PeerHandshake.parseHeader(from: ByteBuffer(bytes: libtorrentBytes.prefix(48)))
        #expect(header?.infoHash == infoHash)
        #expect(header?.reserved.contains(.extensionProtocol) == true)
        #expect(try PeerHandshake.parseHeader(from: ByteBuffer(bytes: libtorrentBytes.prefix(47))) == nil)
    }

    @Test func refusesAWrongProtocolStringAsSoonAsItIsSeen() throws {
        // An MSE handshake opens with 96 random bytes; the first byte alone gives it away.
        #expect(throws: PeerHandshakeError.self) {
            var buffer = ByteBuffer(bytes: [0xC3])
            _ = try PeerHandshake.parse(from: &buffer)
        }
        #expect(throws: PeerHandshakeError.self) {
            var buffer = ByteBuffer(bytes: [19] + Array("BitTorrent protocoX".utf8))
            _ = try PeerHandshake.parse(from: &buffer)
        }
        var partial = ByteBuffer(bytes: [19] + Array("BitTorr".utf8))
        #expect(try PeerHandshake.parse(from: &partial) == nil)
    }

    @Test func reservedBitsSitWhereTheBEPsPutThem() {
        #expect(ReservedBits.extensionProtocol.bytes == [0, 0, 0, 0, 0, 0x10, 0, 0])
        #expect(ReservedBits.fastExtension.bytes == [0, 0, 0, 0, 0, 0, 0, 0x04])
        #expect(ReservedBits.dht.bytes == [0, 0, 0, 0, 0, 0, 0, 0x01])
        #expect(ReservedBits(bytes: [0, 0, 0, 0, 0, 0x10, 0, 0x05]) == [.extensionProtocol, .fastExtension, .dht])
    }
}
