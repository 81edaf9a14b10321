import Foundation
import Testing
import SwarmLogic
import TorrentCore
import WireProtocol

/// The libtorrent-made v2 fixture of TorrentCoreTests, without its piece layers (as after a magnet link).
private func fixture() throws -> (bare: TorrentInfo, full: TorrentInfo) {
    let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../TorrentCoreTests/Fixtures/oddsizes-v2.torrent")
    let full = try Metainfo(bytes: Array(try Data(contentsOf: url))).info
    return (try TorrentInfo(rawInfo: full.rawInfo), full)
}

private let start = SwarmInstant.seconds(100)

/// The answer an honest peer gives: the padded piece layer.
private func answer(_ request: HashRequest, from full: TorrentInfo) -> [UInt8] {
    full.v2!.paddedPieceLayer(root: request.piecesRoot)!
}

@Suite struct PieceLayerFetchTests {
    @Test func asksV2PeersForEachMissingLayerAndKeepsOnlyTrueOnes() throws {
        let (bare, full) = try fixture()
        var fetch = try #require(PieceLayerFetch(info: bare))
        #expect(fetch.missingFiles.count == 2)
        let first = fetch.nextRequests(peers: [PeerKey(1), PeerKey(2)], now: start)
        #expect(first.count == 2)
        #expect(Set(first.map(\.0)) == [PeerKey(1), PeerKey(2)], "spread over both peers")
        for (_, request) in first {
            #expect(request.baseLayer == 1 && request.index == 0 && request.proofLayers == 0)
        }
        // Nothing new to ask while both are out.
        #expect(fetch.nextRequests(peers: [PeerKey(1), PeerKey(2)], now: start).isEmpty)

        let (liar, lied) = first[0]
        var wrong = answer(lied, from: full)
        wrong[5] ^= 1
        #expect(fetch.received(lied, hashes: wrong, from: liar) == .lied)
        let (honest, asked) = first[1]
        #expect(fetch.received(asked, hashes: answer(asked, from: full), from: honest) == .stored)
        #expect(fetch.received(asked, hashes: answer(asked, from: full), from: honest) == .ignored, "a repeat")
        #expect(fetch.missingFiles.count == 1)

        // The layer the liar was asked for goes to the honest peer.
        let again = fetch.nextRequests(peers: [liar, honest], now: start)
        #expect(again.map(\.0) == [honest])
        #expect(fetch.received(again[0].1, hashes: answer(again[0].1, from: full), from: honest) == .stored)
        #expect(fetch.info.hasAllPieceHashes)
        #expect(fetch.info.v2?.pieceLayers == full.v2?.pieceLayers)
    }

    @Test func movesARequestOnAfterARefusalOrSilence() throws {
        let (bare, full) = try fixture()
        var fetch = try #require(PieceLayerFetch(info: bare))
        let first = fetch.nextRequests(peers: [PeerKey(1)], now: start)
        #expect(first.count == 2 && first.allSatisfy { $0.0 == PeerKey(1) })
        fetch.rejected(first[0].1, by: PeerKey(1))
        // Peer 2 arrives; the refused layer goes to it, the other still waits on peer 1.
        let second = fetch.nextRequests(peers: [PeerKey(1), PeerKey(2)], now: start.advanced(by: .seconds(1)))
        #expect(second.map(\.0) == [PeerKey(2)])
        #expect(second[0].1.piecesRoot == first[0].1.piecesRoot)
        // Peer 1 never answers the other: after the timeout peer 2 is asked.
        let late = fetch.nextRequests(peers: [PeerKey(1), PeerKey(2)], now: start.advanced(by: .seconds(25)))
        #expect(late.contains { $0.0 == PeerKey(2) && $0.1.piecesRoot == first[1].1.piecesRoot })
        #expect(fetch.received(first[1].1, hashes: answer(first[1].1, from: full), from: PeerKey(1)) == .ignored,
                "an answer after the request moved on is not taken from the slow peer")
    }
}
