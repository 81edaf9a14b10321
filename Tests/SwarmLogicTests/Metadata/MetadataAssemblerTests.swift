import Testing
import TorrentCore
import WireProtocol
@testable import SwarmLogic

@Suite struct MetadataAssemblerTests {
    /// A fake info dictionary of 2½ pieces and its hash.
    let info: [UInt8] = (0..<(2 * MetadataMessage.pieceSize + 5000)).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
    var hash: InfoHash { InfoHash(hashingInfo: info) }
    var size: Int { info.count }
    let a = PeerKey(1), b = PeerKey(2), c = PeerKey(3)

    func piece(_ index: Int, of bytes: [UInt8]? = nil) -> [UInt8] {
        let source = bytes ?? info
        let start = index * MetadataMessage.pieceSize
        return Array(source[start..<min(source.count, start + MetadataMessage.pieceSize)])
    }

    /// Answers every request of `peer` with the real pieces (or `bytes`) until none are left.
    func serve(_ assembler: inout MetadataAssembler, from peer: PeerKey, bytes: [UInt8]? = nil,
               at now: SwarmInstant = .zero) -> MetadataArrival? {
        var last: MetadataArrival?
        for _ in 0..<10 {
            let asked = assembler.nextRequests(for: peer, now: now)
            if asked.isEmpty { break }
            for index in asked {
                last = assembler.received(piece: index, totalSize: size, data: piece(index, of: bytes), from: peer)
            }
        }
        return last
    }

    @Test func assemblesAndVerifiesFromOnePeer() {
        var assembler = MetadataAssembler(infoHash: hash)
        assembler.peerJoined(a, metadataSize: size)
        #expect(assembler.progress.total == 3)
        #expect(serve(&assembler, from: a) == .complete(info))
        #expect(assembler.isComplete)
    }

    @Test func spreadsRequestsOverSeveralPeers() {
        var assembler = MetadataAssembler(infoHash: hash)
        assembler.requestsPerPeer = 2
        assembler.peerJoined(a, metadataSize: size)
        assembler.peerJoined(b, metadataSize: size)
        #expect(assembler.nextRequests(for: a, now: .zero) == [0, 1])
        #expect(assembler.nextRequests(for: b, now: .zero) == [2])
        #expect(assembler.nextRequests(for: a, now: .zero) == [])
    }

    @Test func sharesFewPiecesAmongThePeersPresent() {
        var assembler = MetadataAssembler(infoHash: hash)
        for peer in [a, b, c] { assembler.peerJoined(peer, metadataSize: size) }
        #expect(assembler.nextRequests(for: a, now: .zero) == [0])
        #expect(assembler.nextRequests(for: b, now: .zero) == [1])
        #expect(assembler.nextRequests(for: c, now: .zero) == [2])
    }

    @Test func hashMismatchFromOnePeerBlamesItAndStartsOver() {
        var assembler = MetadataAssembler(infoHash: hash)
        assembler.peerJoined(a, metadataSize: size)
        assembler.peerJoined(b, metadataSize: size)
        assembler.requestsPerPeer = 3
        var forged = info
        forged[20000] ^= 0xFF
        #expect(serve(&assembler, from: a, bytes: forged) == .hashMismatch(blamed: [a]))
        #expect(assembler.skipped == [a])
        #expect(assembler.progress.received == 0)
        #expect(assembler.nextRequests(for: a, now: .zero) == [])
        #expect(serve(&assembler, from: b) == .complete(info))
    }

    @Test func mixedSendersThenOneSourceFindsTheLiar() {
        var assembler = MetadataAssembler(infoHash: hash)
        assembler.requestsPerPeer = 2
        assembler.peerJoined(a, metadataSize: size)
        assembler.peerJoined(b, metadataSize: size)
        var forged = info
        forged[2 * MetadataMessage.pieceSize] ^= 0xFF
        // a (honest) gets pieces 0 and 1, b (liar) gets piece 2.
        #expect(assembler.nextRequests(for: a, now: .zero) == [0, 1])
        #expect(assembler.nextRequests(for: b, now: .zero) == [2])
        _ = assembler.received(piece: 0, totalSize: size, data: piece(0), from: a)
        _ = assembler.received(piece: 1, totalSize: size, data: piece(1), from: a)
        #expect(assembler.received(piece: 2, totalSize: size, data: piece(2, of: forged), from: b)
                == .hashMismatch(blamed: []))
        // The next attempt comes from one peer only: b is asked first and lies again, alone.
        #expect(serve(&assembler, from: b, bytes: forged) == .hashMismatch(blamed: [b]))
        #expect(assembler.nextRequests(for: b, now: .zero) == [])
        #expect(serve(&assembler, from: a) == .complete(info))
        #expect(assembler.hashFailures == 2)
    }

    @Test func timedOutRequestsGoToAnotherPeer() {
        var assembler = MetadataAssembler(infoHash: hash)
        assembler.peerJoined(a, metadataSize: size)
        #expect(assembler.nextRequests(for: a, now: .zero) == [0, 1, 2])
        assembler.peerJoined(b, metadataSize: size)
        #expect(assembler.nextRequests(for: b, now: .seconds(1)) == [])
        #expect(assembler.expireRequests(now: .seconds(5)) == [])
        #expect(assembler.expireRequests(now: .seconds(11)) == [a])
        #expect(assembler.nextRequests(for: a, now: .seconds(12)) == [], "a rests after timing out")
        #expect(assembler.nextRequests(for: b, now: .seconds(12)) == [0, 1, 2])
        // A late answer from a is not taken as if it had been asked.
        #expect(assembler.received(piece: 0, totalSize: size, data: piece(0), from: a) == .unexpected)
        #expect(assembler.nextRequests(for: a, now: .seconds(60)) == [], "everything is requested from b")
    }

    @Test func rejectingPeerIsSkipped() {
        var assembler = MetadataAssembler(infoHash: hash)
        assembler.peerJoined(a, metadataSize: size)
        assembler.peerJoined(b, metadataSize: size)
        #expect(assembler.nextRequests(for: a, now: .zero) == [0, 1])
        assembler.rejected(piece: 0, by: a)
        #expect(assembler.skipped == [a])
        #expect(assembler.nextRequests(for: a, now: .zero) == [])
        #expect(serve(&assembler, from: b) == .complete(info))
    }

    @Test func wrongSizePieceSkipsThePeer() {
        var assembler = MetadataAssembler(infoHash: hash)
        assembler.peerJoined(a, metadataSize: size)
        assembler.peerJoined(b, metadataSize: size)
        _ = assembler.nextRequests(for: a, now: .zero)
        #expect(assembler.received(piece: 0, totalSize: size, data: [1, 2, 3], from: a) == .peerSkipped)
        #expect(assembler.received(piece: 1, totalSize: size + 1, data: piece(1), from: a) == .peerSkipped)
        #expect(serve(&assembler, from: b) == .complete(info))
    }

    @Test func boundsTheAnnouncedSize() {
        var assembler = MetadataAssembler(infoHash: hash)
        assembler.peerJoined(a, metadataSize: 0)
        assembler.peerJoined(b, metadataSize: MetadataMessage.maxTotalSize + 1)
        #expect(assembler.totalSize == nil)
        #expect(assembler.nextRequests(for: a, now: .zero) == [])
        assembler.peerJoined(c, metadataSize: size)
        #expect(assembler.totalSize == size)
    }

    @Test func aWrongAnnouncedSizeIsDroppedWithItsPeer() {
        var assembler = MetadataAssembler(infoHash: hash)
        // The liar comes first with a size of one piece; the honest peer disagrees and waits.
        assembler.peerJoined(a, metadataSize: 100)
        assembler.peerJoined(b, metadataSize: size)
        #expect(assembler.nextRequests(for: b, now: .zero) == [])
        #expect(assembler.nextRequests(for: a, now: .zero) == [0])
        let garbage = [UInt8](repeating: 9, count: 100)
        #expect(assembler.received(piece: 0, totalSize: 100, data: garbage, from: a) == .hashMismatch(blamed: [a]))
        #expect(assembler.totalSize == size)
        #expect(serve(&assembler, from: b) == .complete(info))
    }

    @Test func leavingPeerReturnsItsRequests() {
        var assembler = MetadataAssembler(infoHash: hash)
        assembler.peerJoined(a, metadataSize: size)
        assembler.peerJoined(b, metadataSize: size)
        _ = assembler.nextRequests(for: a, now: .zero)
        assembler.peerLeft(a)
        #expect(serve(&assembler, from: b) == .complete(info))
        #expect(assembler.usablePeers == 1)
    }
}
