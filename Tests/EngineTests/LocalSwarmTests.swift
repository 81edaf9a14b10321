import Engine
import EngineAPI
import Foundation
import Storage
import Testing
import TestSupport
import TorrentCore

/// rill sessions trading with each other over 127.0.0.1.
@Suite(.timeLimit(.minutes(2))) struct LocalSwarmTests {
    @Test func rillSeedsToRill() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let meta = try SwarmFixture.makeTorrent(in: dir, name: "movie", files: [("movie.bin", 3_000_123)])
        let seeder = try await SwarmFixture.session()
        let leecher = try await SwarmFixture.session()
        _ = try await seeder.add(meta, downloadDirectory: dir.file("seed"))
        let hash = try await leecher.add(meta, downloadDirectory: dir.file("leech"))
        #expect(await leecher.stats(for: hash)?.piecesHave == 0)
        leecher.addPeers([await SwarmFixture.endpoint(of: seeder)], to: hash)

        try await withTimeout(60, "download") { try await leecher.waitUntilComplete(hash) }
        let stats = try #require(await leecher.stats(for: hash))
        #expect(stats.isComplete)
        #expect(stats.sessionDownloaded >= meta.info.totalLength)
        #expect(sameFiles(meta, dir.file("seed"), dir.file("leech")))
        #expect(await seeder.stats(for: hash)?.uploaded ?? 0 >= meta.info.totalLength)
        await leecher.shutdown()
        await seeder.shutdown()
    }

    @Test func severalLeechersAtOnceAllFinish() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let meta = try SwarmFixture.makeTorrent(in: dir, name: "set", files: [("a.bin", 1_500_000), ("b.bin", 700_001)])
        let seeder = try await SwarmFixture.session()
        _ = try await seeder.add(meta, downloadDirectory: dir.file("seed"))
        let seedAddress = await SwarmFixture.endpoint(of: seeder)
        var leechers: [Session] = []
        for index in 0..<3 {
            let leecher = try await SwarmFixture.session()
            _ = try await leecher.add(meta, downloadDirectory: dir.file("leech\(index)"))
            leechers.append(leecher)
        }
        // Each leecher knows the seed and the leechers before it, so pieces also flow between them.
        var addresses = [seedAddress]
        for leecher in leechers {
            leecher.addPeers(addresses, to: meta.infoHash)
            addresses.append(await SwarmFixture.endpoint(of: leecher))
        }
        for (index, leecher) in leechers.enumerated() {
            try await withTimeout(60, "leecher \(index)") { try await leecher.waitUntilComplete(meta.infoHash) }
            #expect(sameFiles(meta, dir.file("seed"), dir.file("leech\(index)")))
        }
        for leecher in leechers { await leecher.shutdown() }
        await seeder.shutdown()
    }

    @Test func skippedFileIsNotDownloaded() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let meta = try SwarmFixture.makeTorrent(
            in: dir, name: "album",
            files: [("cd1/one.bin", 400_000), ("empty.txt", 0), ("cd2/skipped.bin", 900_000), ("three.bin", 300_000)])
        let seeder = try await SwarmFixture.session()
        let leecher = try await SwarmFixture.session()
        _ = try await seeder.add(meta, downloadDirectory: dir.file("seed"))
        let skipped = try #require(meta.info.files.firstIndex { $0.path.last == "skipped.bin" })
        let options = AddOptions(selectedFiles: meta.info.files.indices.filter { $0 != skipped })
        let hash = try await leecher.add(meta, downloadDirectory: dir.file("leech"), options: options)
        leecher.addPeers([await SwarmFixture.endpoint(of: seeder)], to: hash)
        try await withTimeout(60, "download") { try await leecher.waitUntilComplete(hash) }

        #expect(sameFiles(meta, dir.file("seed"), dir.file("leech"), except: [skipped]))
        #expect(FileManager.default.fileExists(atPath: dir.file("leech/album/empty.txt")), "zero-length files are created")
        let stats = try #require(await leecher.stats(for: hash))
        #expect(stats.piecesHave < stats.pieceCount, "pieces only in the skipped file stay missing")
        #expect(stats.sessionDownloaded < meta.info.totalLength - 800_000)
        await leecher.shutdown()
        await seeder.shutdown()
    }

    @Test func restartedDownloadKeepsVerifiedPieces() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let meta = try SwarmFixture.makeTorrent(in: dir, name: "big", files: [("big.bin", 2_000_000)])
        // Half the data is already in place, as if an earlier run stopped midway.
        let original = try Data(contentsOf: URL(fileURLWithPath: dir.file("seed/big/big.bin")))
        var partial = original
        partial.replaceSubrange(1_000_000..<2_000_000, with: Data(count: 1_000_000))
        try dir.write("leech/big/big.bin", Array(partial))

        let seeder = try await SwarmFixture.session()
        let leecher = try await SwarmFixture.session(resumeFolder: dir.file("resume"))
        _ = try await seeder.add(meta, downloadDirectory: dir.file("seed"))
        let hash = try await leecher.add(meta, downloadDirectory: dir.file("leech"))
        let before = try #require(await leecher.stats(for: hash))
        #expect(before.piecesHave >= 1_000_000 / meta.info.pieceLength - 1)
        leecher.addPeers([await SwarmFixture.endpoint(of: seeder)], to: hash)
        try await withTimeout(60, "download") { try await leecher.waitUntilComplete(hash) }
        let after = try #require(await leecher.stats(for: hash))
        #expect(after.sessionDownloaded <= meta.info.totalLength - before.piecesHave * meta.info.pieceLength + meta.info.pieceLength,
                "only missing pieces are fetched")
        #expect(sameFiles(meta, dir.file("seed"), dir.file("leech")))
        await leecher.shutdown()
        await seeder.shutdown()
        #expect(FileManager.default.fileExists(atPath: dir.file("resume/\(hash.hex).resume")))
    }
}

/// Rate limits hold: a download never runs faster than the slowest applicable limit.
@Suite(.timeLimit(.minutes(2))) struct RateLimitTests {
    @Test(arguments: ["session download", "seeder upload", "torrent download"])
    func transfersStayUnderTheLimit(limit kind: String) async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let meta = try SwarmFixture.makeTorrent(in: dir, name: "limited", files: [("limited.bin", 1_500_000)])
        let limit = 500_000
        var seedConfiguration = SessionConfiguration()
        seedConfiguration.listenHost = "127.0.0.1"
        seedConfiguration.listenPort = 0
        seedConfiguration.useTrackers = false
        if kind == "seeder upload" { seedConfiguration.uploadRateLimit = limit }
        var leechConfiguration = seedConfiguration
        leechConfiguration.uploadRateLimit = nil
        if kind == "session download" { leechConfiguration.downloadRateLimit = limit }
        let seeder = try await Session(configuration: seedConfiguration)
        let leecher = try await Session(configuration: leechConfiguration)
        _ = try await seeder.add(meta, downloadDirectory: dir.file("seed"))
        var options = AddOptions()
        if kind == "torrent download" { options.downloadRateLimit = limit }
        let hash = try await leecher.add(meta, downloadDirectory: dir.file("leech"), options: options)

        let started = ContinuousClock.now
        leecher.addPeers([await SwarmFixture.endpoint(of: seeder)], to: hash)
        try await withTimeout(60, "download") { try await leecher.waitUntilComplete(hash) }
        let elapsed = ContinuousClock.now - started
        // The first burst is free (a quarter second's worth); the rest must flow at the limit.
        let fastest = Double(meta.info.totalLength - limit / 4 - 64 * 1024) / Double(limit)
        #expect(elapsed >= .seconds(fastest * 0.9), "took \(elapsed), the limit allows no less than \(fastest) s")
        #expect(sameFiles(meta, dir.file("seed"), dir.file("leech")))
        await leecher.shutdown()
        await seeder.shutdown()
    }
}

/// Peers reach each other over IPv6 as well (skipped where the host has no ::1).
@Suite(.timeLimit(.minutes(1))) struct IPv6SwarmTests {
    static let hasIPv6Loopback: Bool = {
        let fd = socket(AF_INET6, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_in6()
        address.sin6_family = sa_family_t(AF_INET6)
        address.sin6_addr = in6addr_loopback
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in6>.size)) == 0
            }
        }
    }()

    @Test(.enabled(if: hasIPv6Loopback, "this host has no IPv6 loopback"))
    func rillSeedsToRillOverIPv6() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let meta = try SwarmFixture.makeTorrent(in: dir, name: "six", files: [("six.bin", 700_000)])
        let seeder = try await SwarmFixture.session(host: "::1")
        let leecher = try await SwarmFixture.session(host: "::1")
        _ = try await seeder.add(meta, downloadDirectory: dir.file("seed"))
        let hash = try await leecher.add(meta, downloadDirectory: dir.file("leech"))
        leecher.addPeers([PeerEndpoint(host: "::1", port: UInt16(await seeder.listeningPort))], to: hash)
        try await withTimeout(30, "download over IPv6") { try await leecher.waitUntilComplete(hash) }
        #expect(sameFiles(meta, dir.file("seed"), dir.file("leech")))
        await leecher.shutdown()
        await seeder.shutdown()
    }
}

/// A dead tracker is reported and retried, but never stops the torrent.
@Suite(.timeLimit(.minutes(1))) struct DeadTrackerTests {
    @Test func downloadFinishesFromAKnownPeerWhileTheTrackerIsUnreachable() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        // Port 1 on loopback: nothing listens there, so every announce is refused at once.
        let meta = try SwarmFixture.makeTorrent(in: dir, name: "dead", files: [("dead.bin", 500_000)],
                                                trackers: [["http://127.0.0.1:1/announce"], ["udp://127.0.0.1:1/announce"]])
        let seeder = try await SwarmFixture.session()
        _ = try await seeder.add(meta, downloadDirectory: dir.file("seed"))
        var configuration = SessionConfiguration()
        configuration.listenHost = "127.0.0.1"
        configuration.listenPort = 0
        configuration.useTrackers = true
        let leecher = try await Session(configuration: configuration)
        let hash = try await leecher.add(meta, downloadDirectory: dir.file("leech"))
        leecher.addPeers([await SwarmFixture.endpoint(of: seeder)], to: hash)
        try await withTimeout(30, "download") { try await leecher.waitUntilComplete(hash) }
        #expect(sameFiles(meta, dir.file("seed"), dir.file("leech")))

        // The failure is visible to the user, with the tracker named.
        var message: String?
        for _ in 0..<100 {
            message = await leecher.stats(for: hash)?.trackerMessage
            if message != nil { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        let shown = try #require(message)
        #expect(shown.contains("127.0.0.1:1"), "\(shown)")
        await leecher.shutdown()
        await seeder.shutdown()
    }
}
