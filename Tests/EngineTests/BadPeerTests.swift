import Engine
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
