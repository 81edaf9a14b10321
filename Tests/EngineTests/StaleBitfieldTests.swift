import Engine
import EngineAPI
import Foundation
import Testing
import TestSupport
import TorrentCore

/// A peer whose first bitfield showed only part of what it has, and that never sends `have` for
/// the rest: Transmission 3.00 does this to a peer that connects while it verifies its data. A
/// download must not wait on such a connection for ever.
@Suite(.timeLimit(.minutes(2)), .blockingAllowed) struct StaleBitfieldTests {
    private let pieceLength = 32 * 1024

    /// A leecher (peers dropped after `age` of mutual disinterest) dialling a scripted peer that
    /// serves `pieces` pieces of torrent `name`; nil when the peer cannot start here.
    private func swarm(_ dir: TemporaryDirectory, name: String, pieces: Int, age: Duration, onlyPieces: [Int] = [],
                       firstConnectionOnly: [Int] = []) async throws -> (Session, InfoHash, ScriptedPeer)? {
        let meta = try SwarmFixture.makeTorrent(in: dir, name: name, files: [("a.bin", pieces * pieceLength + 77)])
        guard let peer = try await ScriptServer.startedOrSkipped({
            try await ScriptedPeer.start(host: "127.0.0.3", infoHashHex: meta.infoHash.hex, pieceLength: pieceLength,
                                         data: [dir.file("seed/\(name)/a.bin")], onlyPieces: onlyPieces,
                                         firstConnectionOnly: firstConnectionOnly)
        }) else { return nil }
        let leecher = try await SwarmFixture.session {
            $0.encryption = .disabled
            $0.idlePeerEvictionAge = age
        }
        let hash = try await leecher.add(meta, downloadDirectory: dir.file("leech"))
        leecher.addPeers([PeerEndpoint(host: peer.host, port: UInt16(peer.port))], to: hash)
        return (leecher, hash, peer)
    }

    @Test func aPeerThatOfferedOnePieceIsDialledAgainAndTheDownloadFinishes() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        guard let (leecher, hash, peer) = try await swarm(dir, name: "verifying", pieces: 12, age: .seconds(2),
                                                          firstConnectionOnly: [0]) else { return }
        defer { peer.stop() }

        // Piece 0 arrives; then the peer offers nothing more, and hears that we are not interested.
        let gotFirst = await leecher.wait(for: TorrentID(hex: hash.hex), timeout: .seconds(30)) {
            ($0?.piecesHave ?? 0) >= 1
        }
        #expect(gotFirst != nil, "piece 0 never arrived")
        try await leecher.waitUntilComplete(hash, timeout: .seconds(60))
        #expect(peer.connections >= 2, "the peer was dialled once: \(peer.server.lines.suffix(5))")
        #expect(peer.server.lines.contains("not interested"), "the leecher never said it lost interest")
        #expect(FileManager.default.contents(atPath: dir.file("leech/verifying/a.bin"))
            == FileManager.default.contents(atPath: dir.file("seed/verifying/a.bin")))
        await leecher.shutdown()
    }

    /// A peer that truly has only part of the torrent is not dialled again and again: each
    /// fruitless connection waits longer before the next.
    @Test func aPartialPeerWithNothingWeNeedBacksOff() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        guard let (leecher, hash, peer) = try await swarm(dir, name: "partial", pieces: 8, age: .seconds(1),
                                                          onlyPieces: [0]) else { return }
        defer { peer.stop() }
        _ = await leecher.wait(for: TorrentID(hex: hash.hex), timeout: .seconds(30)) { ($0?.piecesHave ?? 0) >= 1 }
        // Dropped after ~1 s of nothing, dialled again 5 s later (it was useful once), and the
        // next time 10 s after that: within 12 s two or three connections, not one a second.
        try await Task.sleep(for: .seconds(12))
        #expect(peer.connections >= 2 && peer.connections <= 3, "connections: \(peer.connections)")
        #expect(leecher.stats(for: hash)?.piecesHave == 1)
        await leecher.shutdown()
    }
}
