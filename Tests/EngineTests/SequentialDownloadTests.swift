import Engine
import EngineAPI
import Foundation
import Testing
import TestSupport
import TorrentCore

/// A sequential (streaming) download over loopback: the ends of each file first, then in order.
@Suite(.timeLimit(.minutes(2))) struct SequentialDownloadTests {
    @Test func streamingTakesEachFilesEndsFirstThenGoesInOrder() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        // Two files of 10 pieces of 32 KiB each: pieces 0–9 and 10–19.
        let meta = try SwarmFixture.makeTorrent(in: dir, name: "film", files: [("a.mkv", 320 * 1024),
                                                                             ("b.mkv", 320 * 1024)])
        let seeder = try await SwarmFixture.session()
        try await seeder.add(meta, downloadDirectory: dir.file("seed"))
        // Slow enough that a few pieces at a time are in flight.
        let leecher = try await SwarmFixture.session { $0.downloadRateLimit = 96 * 1024 }
        let engine: any TorrentEngine = leecher
        let id = TorrentID(hex: meta.infoHash.hex)
        try await engine.add(meta, downloadDirectory: dir.file("leech"), options: AddOptions(sequential: true))
        engine.addPeers([await SwarmFixture.endpoint(of: seeder)], to: meta.infoHash)

        // Record the order in which pieces become verified.
        var order: [Int] = []
        _ = await engine.waitForSnapshot(detail: id, timeout: .seconds(60), every: .milliseconds(20)) { snapshot in
            guard let pieces = snapshot.detail?.pieces else { return false }
            for piece in 0..<pieces.count where pieces.state(of: piece) == .have && !order.contains(piece) {
                order.append(piece)
            }
            return order.count == pieces.count
        }
        #expect(order.count == 20, "the download finished")
        let edges: Set<Int> = [0, 9, 10, 19]
        #expect(Set(order.prefix(6)).isSuperset(of: [9, 19]), "the last piece of each file comes early: \(order)")
        let middle = order.filter { !edges.contains($0) }
        // Pieces of a sampling step may arrive together; allow neighbours to swap, not more.
        let outOfOrder = zip(middle, middle.dropFirst()).count { $0 > $1 + 2 }
        #expect(outOfOrder == 0, "the rest comes in order: \(order)")
        await leecher.shutdown()
        await seeder.shutdown()
    }
}
