import Engine
import EngineAPI
import NIOCore
import NIOPosix
import WireProtocol
import Foundation
import Storage
import Testing
import TestSupport
import TorrentCore

/// A peer that serves corrupted data cannot spoil a download, and gets banned for it.
@Suite(.timeLimit(.minutes(2))) struct BadPeerTests {
    @Test func downloadFinishesCorrectlyWhenOnePeerSendsCorruptBlocks() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let meta = try SwarmFixture.makeTorrent(in: dir, name: "data", files: [("data.bin", 2_000_000)],
                                                pieceLength: 64 * 1024)
        // The liar's copy: every other 16 KiB block flipped, while its resume data claims all pieces.
        var bad = try Array(Data(contentsOf: URL(fileURLWithPath: dir.file("seed/data/data.bin"))))
        for block in stride(from: 0, to: bad.count, by: 32 * 1024) { bad[block] ^= 0xFF }
        try dir.write("liar/data/data.bin", bad)
        let liarResume = ResumeStore(folder: dir.file("liar-resume"))
        try liarResume.save(Bitfield(count: meta.info.pieceCount, allSet: true), for: meta.info,
                            downloadRoot: dir.file("liar"))

        let honest = try await SwarmFixture.session(host: "127.0.0.3")
        let liar = try await SwarmFixture.session(host: "127.0.0.2", resumeFolder: dir.file("liar-resume"))
        let leecher = try await SwarmFixture.session(host: "127.0.0.4")
        _ = try await honest.add(meta, downloadDirectory: dir.file("seed"))
        _ = try await liar.add(meta, downloadDirectory: dir.file("liar"))
        #expect(await liar.stats(for: meta.infoHash)?.isComplete == true, "the liar trusts its forged resume data")

        let hash = try await leecher.add(meta, downloadDirectory: dir.file("leech"))
        leecher.addPeers([await SwarmFixture.endpoint(of: liar, host: "127.0.0.2"),
                          await SwarmFixture.endpoint(of: honest, host: "127.0.0.3")], to: hash)
        try await withTimeout(90, "download") { try await leecher.waitUntilComplete(hash) }

        let stats = try #require(await leecher.stats(for: hash))
        #expect(sameFiles(meta, dir.file("seed"), dir.file("leech")))
        #expect(stats.hashFailures > 0, "the liar's pieces were caught by the hash check")
        #expect(stats.bannedPeers == 1, "the liar is banned, the honest peer is not")
        await leecher.shutdown()
        await liar.shutdown()
        await honest.shutdown()
    }
}

/// A peer that pushes blocks nobody asked for (here: of a file the user skipped) is counted
/// against and, once its trust is gone, banned and dropped.
@Suite(.timeLimit(.minutes(1))) struct UnrequestedDataTests {
    @Test func peerSendingUnrequestedBlocksIsBanned() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let pieceLength = 32 * 1024
        let meta = try SwarmFixture.makeTorrent(in: dir, name: "pushy",
                                                files: [("wanted.bin", 2 * pieceLength), ("skipped.bin", 8 * pieceLength)],
                                                pieceLength: pieceLength)
        let wanted = try #require(meta.info.files.firstIndex { $0.path.last == "wanted.bin" })
        let skipped = try #require(meta.info.files.firstIndex { $0.path.last == "skipped.bin" })
        let skippedPieces = meta.info.layout.pieces(ofFile: skipped)
        try #require(skippedPieces.count == 8)
        let leecher = try await SwarmFixture.session(host: "127.0.0.3")
        try await leecher.add(meta, downloadDirectory: dir.file("leech"), options: AddOptions(selectedFiles: [wanted]))
        let id = TorrentID(hex: meta.infoHash.hex)
        let port = await leecher.listeningPort

        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let channel = try await ClientBootstrap(group: group).connect(host: "127.0.0.3", port: port).get()
        var generator = SystemRandomNumberGenerator()
        let handshake = PeerHandshake(reserved: [.fastExtension], infoHash: meta.infoHash,
                                      peerID: PeerID.generate(using: &generator))
        let encoder = PeerMessageEncoder()
        var bytes = handshake.encoded()
        var opening = encoder.encode(.haveAll)
        bytes.writeBuffer(&opening)
        var unchoke = encoder.encode(.unchoke)
        bytes.writeBuffer(&unchoke)
        // These pieces lie wholly in the skipped file: nobody asks for their blocks.
        let payload = ByteBuffer(repeating: 0xAB, count: 16 * 1024)
        for piece in skippedPieces.prefix(4) {
            for offset in [0, 16 * 1024] {
                var block = encoder.encode(.piece(PieceIndex(checked: piece), offset: offset, block: payload))
                bytes.writeBuffer(&block)
            }
        }
        try await channel.writeAndFlush(bytes)

        let isBan: (EngineEvent) -> Bool = { if case .peerBanned(id, "127.0.0.1") = $0 { true } else { false } }
        #expect(await leecher.events(until: isBan).contains(where: isBan), "the pushy peer is banned")
        try await withTimeout(5, "the leecher hangs up") { try await channel.closeFuture.get() }
        let row = try #require(await leecher.wait(for: id, timeout: .seconds(5)) { $0?.bannedPeers == 1 })
        #expect(row.bannedPeers == 1)
        #expect(row.sessionDownloaded == 0, "none of the pushed data was kept")
        try await group.shutdownGracefully()
        await leecher.shutdown()
    }
}
