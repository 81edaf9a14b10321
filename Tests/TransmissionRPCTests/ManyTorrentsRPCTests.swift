import Foundation
import Testing

/// An RPC client adds torrents one request at a time; thousands of them must all come back
/// listed, numbered and in their queue places, and a change to one of them must show.
@Suite(.timeLimit(.minutes(5))) struct ManyTorrentsRPCTests {
    static let count = 2_000

    /// A one-piece torrent whose data is not on disk, as base64 for `torrent-add`.
    static func metainfo(_ index: Int) -> String {
        let name = "rpc-many-\(index).bin"
        var bytes = Array("d4:infod6:lengthi1000e4:name\(name.utf8.count):\(name)12:piece lengthi16384e6:pieces20:".utf8)
        bytes += (0..<20).map { UInt8(truncatingIfNeeded: index &* 17 &+ $0) }
        return Data(bytes + Array("ee".utf8)).base64EncodedString()
    }

    @Test func twoThousandTorrentsAddedOneByOneAreListedInTheirQueueOrder() async throws {
        let fixture = try await RPCFixture.make(label: "rpc-many")
        defer { Task { await fixture.close() } }
        _ = try await fixture.ok("session-set", ["download-queue-enabled": true, "download-queue-size": 2])
        let clock = ContinuousClock()
        let start = clock.now
        var added: [(number: Int, hash: String)] = []
        for index in 0..<Self.count {
            let answer = try await fixture.ok("torrent-add", ["metainfo": Self.metainfo(index),
                                                              "download-dir": fixture.folder.file("data")])
            let identity = try #require(answer["torrent-added"] as? [String: Any], "answer \(index): \(answer)")
            added.append((try #require(identity["id"] as? Int), try #require(identity["hashString"] as? String)))
        }
        // Generous: one publication per add made this quadratic (10,000 did not finish in 13 minutes).
        #expect(clock.now - start < .seconds(120), "adding \(Self.count) torrents took \(clock.now - start)")
        #expect(Set(added.map(\.number)).count == Self.count, "every torrent has its own number")
        #expect(added.map(\.number) == added.map(\.number).sorted(), "numbered in the order added")

        let fields = ["id", "hashString", "queuePosition", "status", "labels", "peersSendingToUs"]
        var rows = try await fixture.waitForTorrents(fields, timeout: 60) { rows in
            rows.count == Self.count && !rows.contains { [1, 2].contains($0["status"] as? Int) }
        }
        #expect(rows.map { $0["hashString"] as? String } == added.map(\.hash), "listed in queue order")
        #expect(rows.map { $0["id"] as? Int } == added.map(\.number), "under the numbers the adds answered")
        #expect(rows.map { $0["queuePosition"] as? Int } == Array(0..<Self.count))
        #expect(rows.allSatisfy { $0["peersSendingToUs"] as? Int == 0 }, "no peers, answered without details")
        // Transmission's codes: 4 downloading, 3 waiting to download.
        #expect(rows.prefix(2).allSatisfy { $0["status"] as? Int == 4 } && rows.dropFirst(2).allSatisfy {
            $0["status"] as? Int == 3
        }, "the queue limit holds")

        // One row among many: stopping the first lets the next in line start; a label shows.
        _ = try await fixture.ok("torrent-stop", ["ids": [added[0].number]])
        _ = try await fixture.ok("torrent-set", ["ids": [added[1_500].hash], "labels": ["late"]])
        rows = try await fixture.waitForTorrents(fields, timeout: 30) { rows in
            rows.count == Self.count && rows[0]["status"] as? Int == 0 && rows[2]["status"] as? Int == 4
                && rows[1_500]["labels"] as? [String] == ["late"]
        }
        #expect(rows[3]["status"] as? Int == 3)

        _ = try await fixture.ok("torrent-remove", ["ids": [added[1_000].hash]])
        rows = try await fixture.waitForTorrents(fields, timeout: 30) { $0.count == Self.count - 1 }
        #expect(rows.map { $0["queuePosition"] as? Int } == Array(0..<(Self.count - 1)), "renumbered after a removal")
        #expect(!rows.contains { $0["hashString"] as? String == added[1_000].hash })
    }
}
