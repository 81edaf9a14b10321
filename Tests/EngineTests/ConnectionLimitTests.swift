import Engine
import EngineAPI
import NIOCore
import NIOPosix
import Testing
import TestSupport
import TorrentCore
import WireProtocol

/// A bare BitTorrent client that completes the handshake from a chosen loopback address and
/// then only idles, as the connections of a slot-exhaustion attack do.
struct IdlePeer {
    let channel: Channel

    static func connect(from host: String, to port: Int, infoHash: InfoHash, group: EventLoopGroup) async throws -> IdlePeer {
        let channel = try await ClientBootstrap(group: group)
            .bind(to: try SocketAddress(ipAddress: host, port: 0))
            .connect(host: "127.0.0.2", port: port).get()
        var generator = SystemRandomNumberGenerator()
        let handshake = PeerHandshake(reserved: [.fastExtension], infoHash: infoHash,
                                      peerID: PeerID.generate(using: &generator))
        // A refused connection may close before the handshake is written.
        try? await channel.writeAndFlush(handshake.encoded())
        return IdlePeer(channel: channel)
    }

    /// True once the other side has closed the connection.
    var isClosed: Bool { !channel.isActive }
}

/// One address cannot take every peer slot, and a full torrent makes room for a newcomer by
/// dropping a peer that is of no use.
@Suite(.timeLimit(.minutes(2))) struct ConnectionLimitTests {
    /// A rill leecher on 127.0.0.4 that downloads `meta` from the seeder on 127.0.0.2 and gets
    /// the same files.
    static func downloadWithARealPeer(_ meta: Metainfo, from port: Int, in dir: TemporaryDirectory) async throws
        -> Session {
        let leecher = try await SwarmFixture.session(host: "127.0.0.4")
        try await leecher.add(meta, downloadDirectory: dir.file("leech"))
        leecher.addPeers([PeerEndpoint(host: "127.0.0.2", port: UInt16(port))], to: meta.infoHash)
        try await leecher.waitUntilComplete(meta.infoHash, timeout: .seconds(30))
        #expect(sameFiles(meta, dir.file("seed"), dir.file("leech")))
        return leecher
    }

    @Test func oneAddressGetsOnlyItsShareOfSlotsAndARealPeerStillGetsIn() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let meta = try SwarmFixture.makeTorrent(in: dir, name: "slots", files: [("slots.bin", 400_000)])
        let seeder = try await SwarmFixture.session(host: "127.0.0.2")
        try await seeder.add(meta, downloadDirectory: dir.file("seed"))
        let port = await seeder.listeningPort
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        var flood: [IdlePeer] = []
        for _ in 0..<20 {
            flood.append(try await IdlePeer.connect(from: "127.0.0.9", to: port, infoHash: meta.infoHash, group: group))
        }
        let expected = 20 - SessionConfiguration().maxConnectionsPerIP
        _ = await seeder.waitForSnapshot(timeout: .seconds(5)) { _ in flood.count { $0.isClosed } >= expected }
        let refused = flood.count { $0.isClosed }
        #expect(refused == expected,
                "one address keeps \(SessionConfiguration().maxConnectionsPerIP) slots, the rest are refused")

        let leecher = try await Self.downloadWithARealPeer(meta, from: port, in: dir)
        for peer in flood { try? await peer.channel.close() }
        try await group.shutdownGracefully()
        await leecher.shutdown()
        await seeder.shutdown()
    }

    @Test func aFullTorrentDropsAnIdlePeerForANewcomer() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let meta = try SwarmFixture.makeTorrent(in: dir, name: "full", files: [("full.bin", 400_000)])
        let seeder = try await SwarmFixture.session(host: "127.0.0.2") { configuration in
            configuration.maxConnectionsPerTorrent = 4
            configuration.idlePeerEvictionAge = .zero  // idle peers may give way at once
        }
        try await seeder.add(meta, downloadDirectory: dir.file("seed"))
        let port = await seeder.listeningPort
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        var idle: [IdlePeer] = []
        for index in 5..<9 {
            idle.append(try await IdlePeer.connect(from: "127.0.0.\(index)", to: port, infoHash: meta.infoHash, group: group))
        }
        let id = TorrentID(hex: meta.infoHash.hex)
        let full = await seeder.wait(for: id, timeout: .seconds(5)) { $0?.peers == 4 }
        #expect(full?.peers == 4, "the four idle peers fill the torrent")

        let leecher = try await Self.downloadWithARealPeer(meta, from: port, in: dir)
        _ = await seeder.waitForSnapshot(timeout: .seconds(5)) { _ in idle.contains { $0.isClosed } }
        let dropped = idle.count { $0.isClosed }
        #expect(dropped >= 1, "an idle peer made room")
        #expect(dropped < 4, "only as many as needed")
        for peer in idle { try? await peer.channel.close() }
        try await group.shutdownGracefully()
        await leecher.shutdown()
        await seeder.shutdown()
    }
}

/// A peer that floods valid requests without reading is held to our queue limit and dropped.
@Suite(.timeLimit(.minutes(1))) struct RequestFloodTests {
    @Test func requestFloodIsRejectedBeyondTheQueueAndThePeerIsDropped() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let pieceLength = 16 * 1024
        let pieces = 1_200
        let meta = try SwarmFixture.makeTorrent(in: dir, name: "flood", files: [("flood.bin", pieces * pieceLength)],
                                                pieceLength: pieceLength)
        let seeder = try await SwarmFixture.session(host: "127.0.0.2")
        try await seeder.add(meta, downloadDirectory: dir.file("seed"))
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let flooder = try await IdlePeer.connect(from: "127.0.0.7", to: await seeder.listeningPort,
                                                 infoHash: meta.infoHash, group: group)
        let encoder = PeerMessageEncoder()
        try await flooder.channel.writeAndFlush(encoder.encode(.interested))
        let id = TorrentID(hex: meta.infoHash.hex)
        let unchoked = await seeder.waitForSnapshot(detail: id, timeout: .seconds(5)) {
            $0.detail?.peers.first.map { !$0.flags.contains(.weChoke) } ?? false
        }
        #expect(unchoked != nil, "an interested peer gets a free upload slot")
        // A valid request for every block, far more than the 500 we queue, never reading what comes back.
        var burst = ByteBuffer()
        for piece in 0..<pieces {
            var message = encoder.encode(.request(BlockRequest(piece: PieceIndex(checked: piece), offset: 0, length: 16_384)))
            burst.writeBuffer(&message)
        }
        try? await flooder.channel.writeAndFlush(burst)
        let dropped = await seeder.wait(for: id, timeout: .seconds(10)) { $0?.peers == 0 }
        #expect(dropped?.peers == 0, "the flooding peer was dropped")
        #expect((dropped?.sessionUploaded ?? .max) <= 600 * 16_384, "at most the queue limit's worth was served")
        try? await flooder.channel.close()
        try await group.shutdownGracefully()
        await seeder.shutdown()
    }
}
