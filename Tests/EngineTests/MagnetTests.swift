import Engine
import EngineAPI
import Foundation
import NIOCore
import NIOPosix
import Testing
import TestSupport
import TorrentCore
import WireProtocol

/// Magnet links between rill sessions on 127.0.0.x: metadata fetched over ut_metadata (BEP 9),
/// saved and reused, and a peer serving forged metadata cannot spoil it.
@Suite(.timeLimit(.minutes(2))) struct MagnetTests {
    /// 300 files with long names: an info dictionary of more than one 16 KiB metadata piece.
    static func manyFiles() -> [(String, Int)] {
        (0..<300).map { ("folder-\($0 / 50)/file-number-\($0)-with-a-fairly-long-name-to-grow-the-info.bin", 3000 + $0) }
    }

    @Test func magnetFetchesMetadataFromSeveralRillPeersThenDownloads() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let meta = try SwarmFixture.makeTorrent(in: dir, name: "many", files: Self.manyFiles(), pieceLength: 64 * 1024)
        #expect(meta.info.rawInfo.count > 16 * 1024, "the metadata spans several pieces")
        let seederA = try await SwarmFixture.session(host: "127.0.0.2")
        let seederB = try await SwarmFixture.session(host: "127.0.0.3")
        _ = try await seederA.add(meta, downloadDirectory: dir.file("seed"))
        _ = try await seederB.add(meta, downloadDirectory: dir.file("seed"))
        let leecher = try await SwarmFixture.session(host: "127.0.0.4", resumeFolder: dir.file("resume"))

        let link = MagnetLink(infoHash: meta.infoHash, displayName: "shown name")
        let hash = try await leecher.add(magnet: link, downloadDirectory: dir.file("leech"))
        let id = TorrentID(hex: hash.hex)
        // Shown at once, with the link's name, before any peer is known.
        let row = try #require(leecher.snapshot(detail: id).torrents.first)
        #expect(row.phase == .fetchingMetadata)
        #expect(row.name == "shown name")
        #expect(await leecher.stats(for: hash)?.phase == .fetchingMetadata)

        leecher.addPeers([await SwarmFixture.endpoint(of: seederA, host: "127.0.0.2"),
                          await SwarmFixture.endpoint(of: seederB, host: "127.0.0.3")], to: hash)
        try await withTimeout(60, "magnet download") { try await leecher.waitUntilComplete(hash) }

        #expect(sameFiles(meta, dir.file("seed"), dir.file("leech")))
        let events = leecher.drainEvents()
        #expect(events.contains(.metadataReceived(id, name: "many")))
        #expect(events.contains(.added(id, name: "shown name")))
        let stats = try #require(await leecher.stats(for: hash))
        #expect(stats.name == "many")
        #expect(stats.isComplete)
        // The metadata is saved as a .torrent whose info-hash is the link's.
        let saved = try #require(FileManager.default.contents(atPath: dir.file("resume/\(hash.hex).torrent")))
        #expect(try Metainfo(bytes: Array(saved)).infoHash == hash)
        await leecher.shutdown()
        await seederA.shutdown()
        await seederB.shutdown()
    }

    @Test func savedMetadataIsReusedOnRestartWithoutPeers() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let meta = try SwarmFixture.makeTorrent(in: dir, name: "again", files: [("a.bin", 300_000), ("b.bin", 200_000)])
        let seeder = try await SwarmFixture.session(host: "127.0.0.2")
        _ = try await seeder.add(meta, downloadDirectory: dir.file("seed"))
        let first = try await SwarmFixture.session(host: "127.0.0.4", resumeFolder: dir.file("resume"))
        let link = MagnetLink(infoHash: meta.infoHash, peers: [await SwarmFixture.endpoint(of: seeder, host: "127.0.0.2")])
        let hash = try await first.add(magnet: link, downloadDirectory: dir.file("leech"))
        try await withTimeout(60, "first download") { try await first.waitUntilComplete(hash) }
        await first.shutdown()
        await seeder.shutdown()

        // No peers at all now: the saved .torrent and the data on disk are enough.
        let second = try await SwarmFixture.session(host: "127.0.0.4", resumeFolder: dir.file("resume"))
        let again = try await second.add(magnet: MagnetLink(infoHash: meta.infoHash),
                                         downloadDirectory: dir.file("leech"))
        let stats = try #require(await second.stats(for: again))
        #expect(stats.phase != .fetchingMetadata)
        #expect(stats.name == "again")
        #expect(stats.isComplete)
        await second.shutdown()
    }

    @Test func soSelectsFilesOfAMagnet() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let meta = try SwarmFixture.makeTorrent(in: dir, name: "pick",
                                                files: [("one.bin", 300_000), ("two.bin", 500_000), ("three.bin", 300_000)])
        let seeder = try await SwarmFixture.session(host: "127.0.0.2")
        _ = try await seeder.add(meta, downloadDirectory: dir.file("seed"))
        let leecher = try await SwarmFixture.session(host: "127.0.0.4")
        let skipped = try #require(meta.info.files.firstIndex { $0.path.last == "two.bin" })
        let wanted = meta.info.files.indices.filter { $0 != skipped }
        let link = try MagnetLink(parsing: "magnet:?xt=urn:btih:\(meta.infoHash.hex)&so="
            + wanted.map(String.init).joined(separator: ",")
            + "&x.pe=\(await SwarmFixture.endpoint(of: seeder, host: "127.0.0.2"))")
        let hash = try await leecher.add(magnet: link, downloadDirectory: dir.file("leech"))
        try await withTimeout(60, "selected files") { try await leecher.waitUntilComplete(hash) }
        #expect(sameFiles(meta, dir.file("seed"), dir.file("leech"), except: [skipped]))
        let stats = try #require(await leecher.stats(for: hash))
        #expect(stats.sessionDownloaded < meta.info.totalLength - 300_000, "the unselected file was not fetched")
        await leecher.shutdown()
        await seeder.shutdown()
    }

    @Test func forgedMetadataFromAHostilePeerDoesNotBreakTheFetch() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let meta = try SwarmFixture.makeTorrent(in: dir, name: "many", files: Self.manyFiles(), pieceLength: 64 * 1024)
        let liar = try await ForgedMetadataPeer.start(host: "127.0.0.2", infoHash: meta.infoHash,
                                                      metadataSize: meta.info.rawInfo.count)
        let honest = try await SwarmFixture.session(host: "127.0.0.3")
        _ = try await honest.add(meta, downloadDirectory: dir.file("seed"))
        let leecher = try await SwarmFixture.session(host: "127.0.0.4")
        // The liar first, alone: it gets every metadata request and answers each with garbage.
        let hash = try await leecher.add(magnet: MagnetLink(infoHash: meta.infoHash, peers: [liar.endpoint]),
                                         downloadDirectory: dir.file("leech"))
        try await withTimeout(20, "forged pieces served") {
            while liar.piecesServed < 2 { try await Task.sleep(for: .milliseconds(50)) }
        }
        #expect(await leecher.stats(for: hash)?.phase == .fetchingMetadata, "forged metadata is not accepted")
        leecher.addPeers([await SwarmFixture.endpoint(of: honest, host: "127.0.0.3")], to: hash)
        try await withTimeout(60, "download") { try await leecher.waitUntilComplete(hash) }
        #expect(sameFiles(meta, dir.file("seed"), dir.file("leech")))
        await leecher.shutdown()
        await honest.shutdown()
        try await liar.stop()
    }

    @Test(arguments: [
        ("a '..' name", "d6:lengthi5e4:name2:..12:piece lengthi16384e6:pieces20:" + String(repeating: "x", count: 20) + "e"),
        ("duplicate paths", "d5:filesld6:lengthi1e4:pathl1:aeed6:lengthi1e4:pathl1:aeee4:name1:d12:piece lengthi16384e6:pieces20:"
            + String(repeating: "x", count: 20) + "e"),
    ])
    func metadataThatMatchesItsHashButIsNotATorrentFailsTheMagnetWithTheReason(_ kind: String, info: String) async throws {
        let rawInfo = Array(info.utf8)
        let hash = InfoHash(hashingInfo: rawInfo)
        let peer = try await ForgedMetadataPeer.start(host: "127.0.0.2", infoHash: hash, metadataSize: rawInfo.count,
                                                      metadata: rawInfo)
        let leecher = try await SwarmFixture.session(host: "127.0.0.4")
        try await leecher.add(magnet: MagnetLink(infoHash: hash, displayName: "broken", peers: [peer.endpoint]),
                              downloadDirectory: "/nonexistent-never-written")
        let id = TorrentID(hex: hash.hex)
        let row = await leecher.wait(for: id, timeout: .seconds(20)) {
            if case .failed = $0?.phase { true } else { false }
        }
        guard case .failed(let reason) = row?.phase else {
            Issue.record("\(kind): still \(String(describing: row?.phase))")
            return
        }
        #expect(reason.contains("not a valid torrent"), "\(kind): \(reason)")
        #expect(leecher.drainEvents().contains { if case .failed(id, _) = $0 { true } else { false } })
        #expect(row?.peers == 0, "it stops asking peers")
        await leecher.shutdown()
        try await peer.stop()
    }

    @Test func magnetWhoseMetadataNeverComesStaysFetching() async throws {
        let session = try await SwarmFixture.session(host: "127.0.0.4")
        // Nobody listens on these: connections are refused and retried with back-off.
        let link = try MagnetLink(parsing: "magnet:?xt=urn:btih:" + String(repeating: "12", count: 20)
            + "&dn=never&x.pe=127.0.0.9:9&x.pe=127.0.0.10:9")
        let hash = try await session.add(magnet: link, downloadDirectory: "/nonexistent-never-written")
        try await Task.sleep(for: .seconds(3))
        let stats = try #require(await session.stats(for: hash))
        #expect(stats.phase == .fetchingMetadata)
        #expect(stats.name == "never")
        #expect(stats.peers == 0)
        #expect(stats.peersKnown == 2, "the dead peers are kept for a later try")
        // Adding it again is refused with a sentence naming the torrent; removing it works.
        _ = session.drainEvents()
        session.perform(.add(.magnet(link.description), directory: "/tmp"))
        let id = TorrentID(hex: hash.hex)
        var refusal: String?
        for case .commandFailed(id, let text) in await session.events(until: {
            if case .commandFailed(id, _) = $0 { true } else { false }
        }) { refusal = text }
        #expect(refusal?.contains("already in the session") == true)
        session.perform(.remove(id, deleteData: false))
        #expect(await session.wait(for: id, timeout: .seconds(5)) { $0 == nil } == nil)
        try await withTimeout(10, "shutdown") { await session.shutdown() }
    }

    @Test func malformedMagnetThroughTheFacadeGivesOneClearSentence() async throws {
        let session = try await SwarmFixture.session()
        session.perform(.add(.magnet("magnet:?dn=nothing-else"), directory: nil))
        var failure: String?
        for case .commandFailed(nil, let text) in await session.events(until: {
            if case .commandFailed(nil, _) = $0 { true } else { false }
        }) { failure = text }
        #expect(failure == "cannot add the magnet link: the magnet link has no 'xt=urn:btih:' or 'xt=urn:btmh:' info-hash")
        // A good one shows up as fetching metadata.
        let hex = String(repeating: "ab", count: 20)
        session.perform(.add(.magnet("magnet:?xt=urn:btih:\(hex)&dn=wanted"), directory: "/tmp"))
        let phase = await session.wait(for: TorrentID(hex: hex), timeout: .seconds(2)) { $0 != nil }?.phase
        #expect(phase == .fetchingMetadata)
        await session.shutdown()
    }
}

/// A peer that says it has the metadata and answers every request with a right-sized piece of garbage.
final class ForgedMetadataPeer: @unchecked Sendable {
    let channel: Channel
    let group: MultiThreadedEventLoopGroup
    let endpoint: PeerEndpoint
    private let served: NIOLockedCounter

    var piecesServed: Int { served.value }

    private init(channel: Channel, group: MultiThreadedEventLoopGroup, endpoint: PeerEndpoint,
                 served: NIOLockedCounter) {
        self.served = served
        self.channel = channel
        self.group = group
        self.endpoint = endpoint
    }

    /// With `metadata`, it serves those bytes (say, an info dictionary that matches the hash but
    /// is not a valid torrent) instead of garbage.
    static func start(host: String, infoHash: InfoHash, metadataSize: Int,
                      metadata: [UInt8]? = nil) async throws -> ForgedMetadataPeer {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let counter = NIOLockedCounter()
        let channel = try await ServerBootstrap(group: group)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        Handler(infoHash: infoHash, metadataSize: metadataSize, metadata: metadata, served: counter))
                }
            }
            .bind(host: host, port: 0).get()
        let port = UInt16(channel.localAddress?.port ?? 0)
        return ForgedMetadataPeer(channel: channel, group: group, endpoint: PeerEndpoint(host: host, port: port),
                                  served: counter)
    }

    func stop() async throws {
        try await channel.close()
        try await group.shutdownGracefully()
    }

    final class Handler: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer
        let infoHash: InfoHash
        let metadataSize: Int
        let metadata: [UInt8]?
        let served: NIOLockedCounter
        var buffer = ByteBuffer()
        var handshaken = false
        var theirMetadataID: UInt8?

        init(infoHash: InfoHash, metadataSize: Int, metadata: [UInt8]?, served: NIOLockedCounter) {
            self.infoHash = infoHash
            self.metadataSize = metadataSize
            self.metadata = metadata
            self.served = served
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            var incoming = unwrapInboundIn(data)
            buffer.writeBuffer(&incoming)
            if !handshaken {
                guard buffer.readableBytes >= PeerHandshake.length else { return }
                buffer.moveReaderIndex(forwardBy: PeerHandshake.length)
                handshaken = true
                var generator = SystemRandomNumberGenerator()
                let handshake = PeerHandshake(reserved: [.extensionProtocol], infoHash: infoHash,
                                              peerID: PeerID.generate(using: &generator))
                context.write(wrapOutboundOut(handshake.encoded()), promise: nil)
                let extensions = ExtensionHandshake(extensions: ["ut_metadata": 2], metadataSize: metadataSize)
                context.write(wrapOutboundOut(PeerMessageEncoder().encode(extensions.message)), promise: nil)
                context.flush()
            }
            var decoder = PeerFrameDecoder()
            while let message = try? decoder.decode(buffer: &buffer) {
                guard case .extended(let id, let payload) = message else { continue }
                let bytes = payload.getBytes(at: payload.readerIndex, length: payload.readableBytes) ?? []
                if id == 0 {
                    theirMetadataID = (try? ExtensionHandshake(decoding: bytes))?.messageID(for: "ut_metadata")
                } else if id == 2, case .request(let piece)? = try? MetadataMessage(decoding: bytes),
                          let theirs = theirMetadataID {
                    let length = MetadataMessage.length(ofPiece: piece, totalSize: metadataSize)
                    let start = piece * MetadataMessage.pieceSize
                    let bytes = metadata.map { Array($0[start..<start + length]) }
                        ?? [UInt8](repeating: 0x5A, count: length)
                    let garbage = MetadataMessage.data(piece: piece, totalSize: metadataSize, data: bytes)
                    let reply = PeerMessage.extended(id: theirs, payload: ByteBuffer(bytes: garbage.encoded()))
                    context.writeAndFlush(wrapOutboundOut(PeerMessageEncoder().encode(reply)), promise: nil)
                    served.increment()
                }
            }
        }
    }
}

/// A counter shared between an event loop and the test.
final class NIOLockedCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0

    var value: Int { lock.withLock { count } }
    func increment() { lock.withLock { count += 1 } }
}

/// A magnet added from the front end waits, paused, once its files are known, so the user can
/// pick files before any data moves.
@Suite(.timeLimit(.minutes(2))) struct MagnetFileChoiceTests {
    @Test func frontEndMagnetWaitsForTheFileChoiceThenDownloadsOnlyWhatWasChosen() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let meta = try SwarmFixture.makeTorrent(in: dir, name: "choice",
                                                files: [("wanted.bin", 300_000), ("unwanted.bin", 400_000)])
        let seeder = try await SwarmFixture.session(host: "127.0.0.2")
        _ = try await seeder.add(meta, downloadDirectory: dir.file("seed"))
        let leecher = try await SwarmFixture.session(host: "127.0.0.3", resumeFolder: dir.file("resume"))
        let seederAddress = await SwarmFixture.endpoint(of: seeder, host: "127.0.0.2")
        let id = TorrentID(hex: meta.infoHash.hex)

        // As the full-screen client adds it: pause once the files are known.
        leecher.perform(.add(.magnet("magnet:?xt=urn:btih:\(meta.infoHash.hex)&x.pe=\(seederAddress)"),
                             directory: dir.file("leech"), options: AddOptions(pauseForFileChoice: true)))
        var snapshot = leecher.snapshot(detail: id)
        for _ in 0..<300 {
            snapshot = leecher.snapshot(detail: id)
            if snapshot.torrents.first?.phase == .paused, snapshot.detail?.files.count == 2 { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(snapshot.torrents.first?.phase == .paused, "it waits for the user once the files are known")
        let paths = snapshot.detail?.files.map(\.path) ?? []
        #expect(Set(paths) == ["choice/wanted.bin", "choice/unwanted.bin"])
        let unwanted = try #require(paths.firstIndex(of: "choice/unwanted.bin"))
        #expect(snapshot.torrents.first?.downloaded == 0, "no data moved before the choice")
        #expect(leecher.drainEvents().contains { if case .notice(id, _) = $0 { true } else { false } })

        leecher.perform(.setFilePriority(id, file: unwanted, .skip))
        leecher.perform(.resume(id))
        try await withTimeout(30, "download of the chosen file") { try await leecher.waitUntilComplete(meta.infoHash) }
        #expect(FileManager.default.contents(atPath: dir.file("leech/choice/wanted.bin"))
            == FileManager.default.contents(atPath: dir.file("seed/choice/wanted.bin")))
        let skipped = (try? FileManager.default.attributesOfItem(atPath: dir.file("leech/choice/unwanted.bin"))[.size]
            as? Int) ?? 0
        #expect(skipped < 400_000 || FileManager.default.contents(atPath: dir.file("leech/choice/unwanted.bin"))
            != FileManager.default.contents(atPath: dir.file("seed/choice/unwanted.bin")), "the skipped file was not fetched")
        await leecher.shutdown()
        await seeder.shutdown()
    }
}
