import EngineAPI
import Foundation
import Testing
import TransmissionRPC

/// The RPC's methods against a real session: what transmission-remote, Sonarr and the Python
/// client rely on.
@Suite struct RPCServiceTests {
    @Test func addingATorrentWhoseDataIsPresentVerifiesItAndSeeds() async throws {
        let fixture = try await RPCFixture.make()
        defer { Task { await fixture.close() } }
        let torrent = try fixture.makeTorrent(name: "album", files: [("a.flac", 100_000), ("b/c.flac", 50_000)])
        let added = try await fixture.ok("torrent-add", [
            "metainfo": Data(torrent).base64EncodedString(), "download-dir": fixture.folder.file("data"),
            "labels": ["music"],
        ])
        let identity = try #require(added["torrent-added"] as? [String: Any])
        #expect(identity["name"] as? String == "album")
        #expect((identity["hashString"] as? String)?.count == 40)
        let id = try #require(identity["id"] as? Int)

        let rows = try await fixture.waitForTorrents(["id", "status", "percentDone", "leftUntilDone", "labels"]) {
            $0.first?["status"] as? Int == 6
        }
        #expect(rows.first?["id"] as? Int == id)
        #expect(rows.first?["percentDone"] as? Double == 1)
        #expect(rows.first?["leftUntilDone"] as? Int == 0)
        #expect(rows.first?["labels"] as? [String] == ["music"])

        let detail = try await fixture.ok("torrent-get", ["ids": [id], "fields": ["files", "fileStats", "pieces",
                                                                                "pieceCount", "wanted", "priorities"]])
        let row = try #require((detail["torrents"] as? [[String: Any]])?.first)
        let files = try #require(row["files"] as? [[String: Any]])
        #expect(Set(files.compactMap { $0["name"] as? String }) == ["album/a.flac", "album/b/c.flac"])
        #expect(files.allSatisfy { ($0["bytesCompleted"] as? Int) == ($0["length"] as? Int) })
        #expect(row["wanted"] as? [Int] == [1, 1])
        let bitfield = try #require(Data(base64Encoded: row["pieces"] as? String ?? ""))
        let pieceCount = try #require(row["pieceCount"] as? Int)
        #expect(bitfield.count == (pieceCount + 7) / 8)
        #expect(bitfield.dropLast().allSatisfy { $0 == 0xFF })

        // The same torrent again is a duplicate, still "success", as Transmission answers.
        let again = try await fixture.ok("torrent-add", ["metainfo": Data(torrent).base64EncodedString()])
        #expect((again["torrent-duplicate"] as? [String: Any])?["id"] as? Int == id)
    }

    @Test func stopStartLabelAndRemoveByNumberOrHash() async throws {
        let fixture = try await RPCFixture.make()
        defer { Task { await fixture.close() } }
        let torrent = try fixture.makeTorrent(name: "one", files: [("x.bin", 40_000)])
        let added = try await fixture.ok("torrent-add", ["metainfo": Data(torrent).base64EncodedString(),
                                                        "download-dir": fixture.folder.file("data")])
        let identity = try #require(added["torrent-added"] as? [String: Any])
        let hash = try #require(identity["hashString"] as? String)
        _ = try await fixture.waitForTorrents(["status"]) { $0.first?["status"] as? Int == 6 }

        _ = try await fixture.ok("torrent-stop", ["ids": [hash]])
        _ = try await fixture.waitForTorrents(["status"]) { $0.first?["status"] as? Int == 0 }
        _ = try await fixture.ok("torrent-set", ["ids": [hash], "labels": ["tv", " hd ", "tv"]])
        _ = try await fixture.ok("torrent-start", ["ids": identity["id"]!])
        let rows = try await fixture.waitForTorrents(["status", "labels"]) { $0.first?["status"] as? Int == 6 }
        #expect(rows.first?["labels"] as? [String] == ["tv", "hd"])

        _ = try await fixture.ok("torrent-remove", ["ids": [hash], "delete-local-data": false])
        _ = try await fixture.waitForTorrents(["id"]) { $0.isEmpty }
        #expect(FileManager.default.fileExists(atPath: fixture.folder.file("data/one/x.bin")))
    }

    @Test func unwantedFilesAndPrioritiesAreSetByIndex() async throws {
        let fixture = try await RPCFixture.make()
        defer { Task { await fixture.close() } }
        let torrent = try fixture.makeTorrent(name: "three", files: [("1.bin", 20_000), ("2.bin", 20_000), ("3.bin", 20_000)])
        // Added paused into an empty folder: nothing to seed, files still listed.
        let added = try await fixture.ok("torrent-add", ["metainfo": Data(torrent).base64EncodedString(), "paused": true,
                                                        "files-unwanted": [1]])
        let id = try #require((added["torrent-added"] as? [String: Any])?["id"] as? Int)
        _ = try await fixture.waitForTorrents(["status"]) { $0.first?["status"] as? Int == 0 }
        var row = try await fixture.ok("torrent-get", ["ids": [id], "fields": ["wanted", "priorities", "sizeWhenDone"]])
        var first = try #require((row["torrents"] as? [[String: Any]])?.first)
        #expect(first["wanted"] as? [Int] == [1, 0, 1])

        _ = try await fixture.ok("torrent-set", ["ids": [id], "files-wanted": [1], "files-unwanted": [2],
                                                 "priority-high": [0]])
        row = try await fixture.ok("torrent-get", ["ids": [id], "fields": ["wanted", "priorities"]])
        first = try #require((row["torrents"] as? [[String: Any]])?.first)
        #expect(first["wanted"] as? [Int] == [1, 1, 0])
        #expect(first["priorities"] as? [Int] == [1, 0, 0])

        let bad = try await fixture.call("torrent-set", ["ids": [id], "files-unwanted": [7]])
        #expect((bad["result"] as? String)?.contains("file 7 does not exist") == true)
    }

    @Test func sessionSettingsRoundTripThroughTheEngine() async throws {
        let fixture = try await RPCFixture.make()
        defer { Task { await fixture.close() } }
        let session = try await fixture.ok("session-get")
        #expect(session["rpc-version"] as? Int == 17)
        #expect((session["version"] as? String)?.hasPrefix("rill") == true)
        #expect(session["speed-limit-down-enabled"] as? Bool == false)

        _ = try await fixture.ok("session-set", ["speed-limit-down": 250, "speed-limit-down-enabled": true,
                                                 "download-queue-size": 3, "download-queue-enabled": true,
                                                 "download-dir": "/tmp/elsewhere"])
        let after = try await fixture.ok("session-get", ["fields": ["speed-limit-down", "speed-limit-down-enabled",
                                                                    "download-queue-size", "download-dir"]])
        #expect(after["speed-limit-down"] as? Int == 250)
        #expect(after["speed-limit-down-enabled"] as? Bool == true)
        #expect(after["download-queue-size"] as? Int == 3)
        #expect(after["download-dir"] as? String == "/tmp/elsewhere")
        #expect(after.count == 4)
        #expect(fixture.session.snapshot(detail: nil).downloadLimit == 250_000)

        let refused = try await fixture.call("session-set", ["peer-port": 1])
        #expect((refused["result"] as? String)?.contains("cannot change while rill runs") == true)
        let unknown = try await fixture.call("session-set", ["no-such-key": 1])
        #expect((unknown["result"] as? String)?.contains("unknown session key") == true)
    }

    @Test func badRequestsGetAResultStringAndTheirTag() async throws {
        let fixture = try await RPCFixture.make()
        defer { Task { await fixture.close() } }
        let unknown = try await fixture.call("torrent-explode", tag: 7)
        #expect(unknown["result"] as? String == "unknown method 'torrent-explode'")
        #expect(unknown["tag"] as? Int == 7)
        let field = try await fixture.call("torrent-get", ["fields": ["id", "colour"]])
        #expect(field["result"] as? String == "unknown torrent field 'colour'")
        let notJSON = await fixture.service.handle(Array("{not json".utf8))
        #expect(String(decoding: notJSON, as: UTF8.self).contains("not a JSON object"))
        let badTorrent = try await fixture.call("torrent-add", ["metainfo": Data("d4:infod".utf8).base64EncodedString()])
        #expect((badTorrent["result"] as? String)?.contains("not valid") == true)
        let badIDs = try await fixture.call("torrent-stop", ["ids": ["zz"]])
        #expect((badIDs["result"] as? String)?.contains("neither a torrent number nor an info-hash") == true)
        let port = try await fixture.call("port-test")
        #expect((port["result"] as? String)?.contains("contacts none") == true)
    }

    @Test func jsonRPC2DialectAnswersInSnakeCase() async throws {
        let fixture = try await RPCFixture.make()
        defer { Task { await fixture.close() } }
        let torrent = try fixture.makeTorrent(name: "snake", files: [("s.bin", 30_000)])
        let add = try await fixture.raw(["jsonrpc": "2.0", "id": 3, "method": "torrent_add",
                                         "params": ["metainfo": Data(torrent).base64EncodedString(),
                                                    "download_dir": fixture.folder.file("data")]])
        #expect(add["id"] as? Int == 3)
        let added = try #require((add["result"] as? [String: Any])?["torrent_added"] as? [String: Any])
        #expect((added["hash_string"] as? String)?.count == 40)
        let get = try await fixture.raw(["jsonrpc": "2.0", "id": 4, "method": "torrent_get",
                                         "params": ["fields": ["hash_string", "percent_done", "file_count"]]])
        let rows = try #require((get["result"] as? [String: Any])?["torrents"] as? [[String: Any]])
        #expect(rows.first?["hash_string"] as? String == added["hash_string"] as? String)
        #expect(rows.first?["file_count"] as? Int == 1)
        let set = try await fixture.raw(["jsonrpc": "2.0", "id": 6, "method": "session_set",
                                         "params": ["seed_ratio_limit": 1.5, "seed_ratio_limited": true]])
        #expect(set["error"] == nil, "\(set)")
        let session = try await fixture.raw(["jsonrpc": "2.0", "id": 7, "method": "session_get",
                                             "params": ["fields": ["seed_ratio_limit", "download_dir"]]])
        let values = try #require(session["result"] as? [String: Any])
        #expect(values["seed_ratio_limit"] as? Double == 1.5)
        #expect(values["seed_ratio_limited"] == nil && values["download_dir"] != nil)
        let error = try await fixture.raw(["jsonrpc": "2.0", "id": 5, "method": "nope"])
        #expect((error["error"] as? [String: Any])?["code"] as? Int == -32601)
    }

    @Test func tableFormatHasAHeaderRow() async throws {
        let fixture = try await RPCFixture.make()
        defer { Task { await fixture.close() } }
        let torrent = try fixture.makeTorrent(name: "t", files: [("t.bin", 10_000)])
        _ = try await fixture.ok("torrent-add", ["metainfo": Data(torrent).base64EncodedString()])
        let answer = try await fixture.ok("torrent-get", ["fields": ["id", "name"], "format": "table"])
        let table = try #require(answer["torrents"] as? [[Any]])
        #expect(table.first as? [String] == ["id", "name"])
        #expect(table.count == 2)
        #expect(table[1][1] as? String == "t")
    }
}
