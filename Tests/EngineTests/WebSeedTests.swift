import Engine
import EngineAPI
import Foundation
import Testing
import TestSupport
import TorrentCore

/// Downloads from web seeds (BEP 19): a local HTTP server on 127.0.0.1 serving the torrent's
/// folder with byte ranges (`webseed_server.py`), the only source of the data.
@Suite(.timeLimit(.minutes(3)), .blockingAllowed) struct WebSeedTests {
    /// A multi-file torrent under `dir/seed/set` whose web seed serves `dir/<served>`.
    private func torrent(in dir: TemporaryDirectory, url: String) throws -> Metainfo {
        let meta = try SwarmFixture.makeTorrent(in: dir, name: "set", files: [
            ("a.bin", 300_001), ("docs/b c.txt", 77_777), ("docs/é.bin", 250_000),
        ], pieceLength: 32 * 1024)
        return Metainfo(info: meta.info, webSeeds: [url])
    }

    private func server(_ root: String, failEvery: Int = 0, shortEvery: Int = 0,
                        ignoreRanges: Bool = false) throws -> WebSeedServer? {
        do {
            return try WebSeedServer(root: root, failEvery: failEvery, shortEvery: shortEvery,
                                     ignoreRanges: ignoreRanges)
        } catch let missing as ToolMissing {
            if ExternalTool.toolsRequired { throw missing }
            print("skipped: \(missing)")
            return nil
        }
    }

    @Test func downloadsFromAWebSeedThatFailsEveryThirdRequestAndCutsEveryFifthShort() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        guard let server = try server(dir.file("seed"), failEvery: 3, shortEvery: 5) else { return }
        defer { server.stop() }
        let meta = try torrent(in: dir, url: server.url)
        let session = try await SwarmFixture.session()
        let hash = try await session.add(meta, downloadDirectory: dir.file("leech"))
        let id = TorrentID(hex: hash.hex)
        let row = await session.wait(for: id, timeout: .seconds(30)) { ($0?.webSeeds ?? 0) == 1 }
        #expect(row?.webSeeds == 1)

        try await session.waitUntilComplete(hash, timeout: .seconds(120))
        #expect(sameFiles(meta, dir.file("seed"), dir.file("leech")))
        let stats = try #require(session.stats(for: hash))
        #expect(stats.hashFailures == 0, "a 503 or a short body never poisons a piece")
        #expect(server.count(status: 503) > 0, "the server did fail requests")
        #expect(server.shortReplies > 0, "the server did cut replies short")
        #expect(server.count(status: 206) > 0)

        let snapshot = await session.waitForSnapshot(detail: id, timeout: .seconds(5)) {
            $0.detail?.peers.contains { $0.flags.contains(.webSeed) } == true
        }
        let seedRow = try #require(snapshot?.detail?.peers.first { $0.flags.contains(.webSeed) })
        #expect(seedRow.address == server.url)
        #expect(seedRow.source == "webseed")
        #expect(seedRow.client.hasPrefix("web seed"))
        #expect(seedRow.client.contains("errors"), "its failures are counted: \(seedRow.client)")
        await session.shutdown()
    }

    @Test func downloadsFromAServerThatIgnoresRanges() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        guard let server = try server(dir.file("seed"), ignoreRanges: true) else { return }
        defer { server.stop() }
        let meta = try torrent(in: dir, url: server.url)
        let session = try await SwarmFixture.session()
        let hash = try await session.add(meta, downloadDirectory: dir.file("leech"))
        try await session.waitUntilComplete(hash, timeout: .seconds(120))
        #expect(sameFiles(meta, dir.file("seed"), dir.file("leech")))
        #expect(server.count(status: 200) > 0 && server.count(status: 206) == 0)
        await session.shutdown()
    }

    @Test func aWebSeedServingBadDataIsDroppedAndNeverCompletesAPiece() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let meta = try torrent(in: dir, url: "")
        // The mirror holds the same names with other bytes.
        for file in meta.info.files {
            try dir.write("bad/" + file.displayPath, [UInt8](repeating: 0x5A, count: file.length))
        }
        guard let server = try server(dir.file("bad")) else { return }
        defer { server.stop() }
        let lying = Metainfo(info: meta.info, webSeeds: [server.url])
        let session = try await SwarmFixture.session()
        let hash = try await session.add(lying, downloadDirectory: dir.file("leech"))
        let id = TorrentID(hex: hash.hex)
        let row = await session.wait(for: id, timeout: .seconds(60)) { ($0?.bannedPeers ?? 0) >= 1 }
        #expect(row?.bannedPeers == 1)
        #expect(row?.webSeeds == 0, "the liar is no longer used")
        #expect(row?.piecesHave == 0)
        #expect((row?.hashFailures ?? 0) >= 3)
        let snapshot = await session.waitForSnapshot(detail: id, timeout: .seconds(5)) {
            $0.detail?.peers.contains { $0.flags.contains(.webSeed) } == true
        }
        let seedRow = snapshot?.detail?.peers.first { $0.flags.contains(.webSeed) }
        #expect(seedRow?.client.contains("dropped") == true)
        await session.shutdown()
    }

    /// A magnet link's `ws=` mirror joins once the metadata came from a peer: the slow peer and
    /// the mirror share the download.
    @Test func aMagnetLinksWebSeedJoinsOnceTheMetadataIsKnown() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        guard let server = try server(dir.file("seed")) else { return }
        defer { server.stop() }
        let meta = try torrent(in: dir, url: server.url)
        let seeder = try await SwarmFixture.session(host: "127.0.0.2") { $0.uploadRateLimit = 64 * 1024 }
        _ = try await seeder.add(Metainfo(info: meta.info), downloadDirectory: dir.file("seed"))
        let leecher = try await SwarmFixture.session(host: "127.0.0.3")
        let seederAddress = await SwarmFixture.endpoint(of: seeder, host: "127.0.0.2")
        let link = MagnetLink(infoHash: meta.infoHash, peers: [seederAddress], webSeeds: [server.url])
        let hash = try await leecher.add(magnet: link, downloadDirectory: dir.file("leech"))
        try await leecher.waitUntilComplete(hash, timeout: .seconds(60))
        #expect(sameFiles(meta, dir.file("seed"), dir.file("leech")))
        #expect(leecher.stats(for: hash)?.webSeeds == 1)
        let served = server.count(status: 206)
        #expect(served > 0, "the mirror sent data")
        await leecher.shutdown()
        await seeder.shutdown()
    }

    /// One piece over three files is three requests; a mirror failing every third request fails
    /// each attempt at the whole piece, so the failed request alone is retried.
    @Test func aPieceSpanningThreeFilesArrivesFromAMirrorFailingEveryThirdRequest() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        guard let server = try server(dir.file("seed"), failEvery: 3) else { return }
        defer { server.stop() }
        let made = try SwarmFixture.makeTorrent(in: dir, name: "three", files: [
            ("a", 10_000), ("b", 20_000), ("c", 30_000),
        ], pieceLength: 64 * 1024)
        #expect(made.info.pieceCount == 1)
        let meta = Metainfo(info: made.info, webSeeds: [server.url])
        let session = try await SwarmFixture.session()
        let hash = try await session.add(meta, downloadDirectory: dir.file("leech"))
        try await session.waitUntilComplete(hash, timeout: .seconds(30))
        #expect(sameFiles(meta, dir.file("seed"), dir.file("leech")))
        #expect(server.count(status: 503) >= 1)
        await session.shutdown()
    }
}
