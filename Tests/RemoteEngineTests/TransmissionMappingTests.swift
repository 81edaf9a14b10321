import EngineAPI
import Foundation
@testable import RemoteEngine
import Testing

/// The field mapping, on answers captured from a real transmission-daemon 3.00 (one seeding
/// torrent, 92 pieces of 32 KiB, labels "tv" and "hd", an unreachable tracker).
@Suite struct TransmissionMappingTests {
    static func fixture(_ name: String) throws -> JSONObject {
        let url = try #require(Bundle.module.url(forResource: "Fixtures/\(name)", withExtension: "json"))
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: url))
        let response = try #require(object as? [String: Any])
        return JSONObject(try #require(response["arguments"] as? [String: Any]))
    }

    static func session() throws -> TransmissionMapping.Session {
        var session = TransmissionMapping.session(get: try fixture("transmission-3.00-session-get"))
        TransmissionMapping.apply(stats: try fixture("transmission-3.00-session-stats"), to: &session)
        return session
    }

    @Test func sessionGetGivesVersionPortQueueAndFreeSpace() throws {
        let session = try Self.session()
        #expect(session.settings.version == "3.00 (bb6b5a062e)")
        #expect(!session.isRill)
        #expect(session.rpcVersion == 16)
        #expect(session.listenPort == 19413)
        #expect(session.settings.defaultDirectory == "/tmp/td/dl")
        #expect(session.maxActiveDownloads == 5, "the download queue is on with 5 slots")
        #expect(session.maxActiveSeeds == nil, "the seed queue is off")
        #expect(session.downloadLimit == nil, "speed-limit-down is set but not enabled")
        #expect(session.freeDiskSpace == 73_271_472_128)
        #expect(session.uptime == 30)
        #expect(session.dht == nil, "Transmission does not report DHT health: unknown, not zero nodes")
        #expect(RemoteEngine.describe(version: session.settings.version, isRill: false, at: "127.0.0.1:19091")
            == "transmission 3.00 @ 127.0.0.1:19091")
    }

    @Test func torrentRowOfASeedingTorrent() throws {
        let session = try Self.session()
        let values = try #require(try Self.fixture("transmission-3.00-torrent-get-list").objects("torrents").first)
        let row = try #require(TransmissionMapping.torrent(values, session: session))
        #expect(row.id == TorrentID(hex: "cd57a43dd1f0e9db24ddb3a4626270706d4452d1"))
        #expect(row.name == "sample.bin")
        #expect(row.phase == .seeding)
        #expect(row.isComplete)
        #expect(row.totalSize == 3_000_000 && row.wantedSize == 3_000_000 && row.leftBytes == 0)
        #expect(row.pieceCount == 92 && row.pieceSize == 32768 && row.piecesHave == 92)
        #expect(row.labels == ["tv", "hd"])
        #expect(row.eta == nil, "Transmission's -1 means no estimate")
        #expect(row.doneDate == nil, "doneDate 0 means not known")
        #expect(row.addedDate == 1_796_166_663)
        #expect(row.ratioGoal == nil && row.seedWhenComplete, "mode 0 follows the session, which has no ratio limit")
        #expect(row.trackerMessage == nil, "error 0")
        #expect(row.downloadDirectory == "/tmp/td/dl")
    }

    @Test func detailHasFilesTrackersAndPieces() throws {
        let values = try #require(try Self.fixture("transmission-3.00-torrent-get-detail").objects("torrents").first)
        let detail = try #require(TransmissionMapping.detail(values, name: "sample.bin", now: 1_796_166_700))
        #expect(detail.files.map(\.path) == ["sample.bin"])
        #expect(detail.files.first?.priority == .normal)
        #expect(detail.files.first?.progress == 1)
        #expect(detail.pieces.count == 92)
        #expect((0..<92).allSatisfy { detail.pieces.state(of: $0) == .have })
        #expect(!detail.pieces.isAvailabilityKnown, "Transmission does not report availability")
        let tracker = try #require(detail.trackers.first)
        #expect(tracker.url == "http://127.0.0.1:6969/announce")
        #expect(tracker.lastError == "Could not connect to tracker")
        #expect(tracker.status == "error")
        #expect(tracker.seeders == nil, "seederCount -1 is unknown")
        #expect(tracker.nextAnnounce == 315)
        #expect(detail.magnetLink?.hasPrefix("magnet:?xt=urn:btih:cd57a43d") == true)
        #expect(detail.creator == "Transmission/3.00 (bb6b5a062e)")
        #expect(detail.comment == nil)
    }

    @Test(arguments: [
        (0, false, TorrentPhase.paused), (0, true, .finished), (1, false, .checking(progress: 0.25)),
        (2, false, .checking(progress: 0.25)), (3, false, .queued), (4, false, .downloading), (5, false, .queued),
        (6, false, .seeding),
    ])
    func statusMapsToPhase(status: Int, finished: Bool, phase: TorrentPhase) {
        let values = JSONObject(["status": status, "isFinished": finished, "recheckProgress": 0.25, "error": 0])
        #expect(TransmissionMapping.phase(values) == phase)
    }

    @Test func localErrorFailsTheTorrentButTrackerErrorsDoNot() {
        let local = JSONObject(["status": 0, "error": 3, "errorString": "No data found!"])
        #expect(TransmissionMapping.phase(local) == .failed("No data found!"))
        let tracker = JSONObject(["status": 6, "error": 2, "errorString": "Tracker gave HTTP 404"])
        #expect(TransmissionMapping.phase(tracker) == .seeding)
    }

    @Test func magnetWithoutMetadataIsFetching() {
        let values = JSONObject(["status": 4, "error": 0, "metadataPercentComplete": 0.5])
        #expect(TransmissionMapping.phase(values) == .fetchingMetadata)
    }

    @Test func peerFlagsAndUnknownRequestCounts() {
        let peer = TransmissionMapping.peer(JSONObject([
            "address": "127.0.0.2", "port": 51413, "clientName": "Transmission 3.00", "flagStr": "TDEX",
            "progress": 1.0, "rateToClient": 65536, "rateToPeer": 0, "isEncrypted": true, "isIncoming": false,
            "clientIsChoked": false, "clientIsInterested": true, "peerIsChoked": true, "peerIsInterested": false,
        ]))
        #expect(peer.address == "127.0.0.2:51413")
        #expect(peer.flags.contains(.weAreInterested) && !peer.flags.contains(.peerChokes))
        #expect(peer.flags.contains(.encrypted) && peer.flags.contains(.seed) && peer.flags.contains(.weChoke))
        #expect(peer.downloadRate == 65536)
        #expect(peer.source == "pex", "X in flagStr: learned through PEX")
        #expect(peer.requestsInFlight == nil, "Transmission does not report request counts")
        let rill = TransmissionMapping.peer(JSONObject(["address": "::1", "port": 6881, "rill-requestsInFlight": 12,
                                                        "rill-source": "dht"]))
        #expect(rill.address == "[::1]:6881" && rill.requestsInFlight == 12 && rill.source == "dht")
    }

    @Test func rillExtrasGivePieceStatesAndAvailability() {
        let states: [UInt8] = [2, 1, 0, 3]
        let values = JSONObject(["hashString": String(repeating: "a", count: 40), "pieceCount": 4, "pieces": "wA==",
                                 "rill-pieceStates": Data(states).base64EncodedString(),
                                 "rill-availability": Data([3, 2, 0, 1]).base64EncodedString()])
        let map = TransmissionMapping.pieces(values)
        #expect(map.states == states)
        #expect(map.availability == [3, 2, 0, 1])
        let plain = TransmissionMapping.pieces(JSONObject(["pieceCount": 4, "pieces": "oA"]))
        #expect(plain.states == [2, 0, 2, 0], "bits 1010: pieces 0 and 2 are had")
    }

    @Test func fieldsAreAskedOnlyFromServersThatDefineThem() {
        let old = TransmissionFields(rpcVersion: 16, isRill: false)
        #expect(!old.list.contains("file-count"), "3.00 answers 0 for fields it does not know")
        #expect(!old.detail.contains("rill-pieceStates"))
        #expect(TransmissionFields(rpcVersion: 17, isRill: false).list.contains("file-count"))
        #expect(TransmissionFields(rpcVersion: 17, isRill: true).detail.contains("rill-availability"))
        #expect(!TransmissionFields(rpcVersion: 17, isRill: false).list.contains { $0.hasPrefix("sequential") },
                "Transmission 4.0 has no sequential download")
        #expect(TransmissionFields(rpcVersion: 18, isRill: false).list.contains("sequential_download"))
    }

    @Test func commandsBecomeRPCCalls() throws {
        let id = TorrentID(hex: String(repeating: "b", count: 40))
        let fields = TransmissionFields(rpcVersion: 16, isRill: false)
        func calls(_ command: EngineCommand) throws -> [TransmissionCall] {
            try TransmissionCommand.calls(for: command, ids: { _ in 7 }, speedUnit: 1000, fields: fields)
        }
        let skip = try #require(try calls(.setFilePriority(id, file: 2, .skip)).first)
        #expect(skip.method == "torrent-set" && skip.arguments["files-unwanted"] as? [Int] == [2])
        #expect(skip.arguments["ids"] as? [Int] == [7])
        let high = try #require(try calls(.setFilePriority(id, file: 1, .high)).first)
        #expect(high.arguments["files-wanted"] as? [Int] == [1] && high.arguments["priority-high"] as? [Int] == [1])
        let limits = try #require(try calls(.setRateLimits(download: 1_000_000, upload: nil)).first)
        #expect(limits.method == "session-set")
        #expect(limits.arguments["speed-limit-down"] as? Int == 1000)
        #expect(limits.arguments["speed-limit-up-enabled"] as? Bool == false)
        #expect(try calls(.moveInQueue(id, .top)).first?.method == "queue-move-top")
        #expect(try calls(.remove(id, deleteData: true)).first?.arguments["delete-local-data"] as? Bool == true)
        #expect(throws: TransmissionCommand.Unsupported.self) { try calls(.setSequential(id, true)) }
        #expect(throws: TransmissionCommand.Unsupported.self) { try calls(.addPeer(id, host: "127.0.0.2", port: 1)) }
    }

    @Test func endpointsParseWithDefaults() throws {
        let plain = try RPCEndpoint(parsing: "127.0.0.1:9091")
        #expect(plain.requestURL == "http://127.0.0.1:9091/transmission/rpc" && plain.username == nil)
        let full = try RPCEndpoint(parsing: "http://us%40er:p%3Ass@seedbox:9092/custom/rpc")
        #expect(full.username == "us@er" && full.password == "p:ss")
        #expect(full.requestURL == "http://seedbox:9092/custom/rpc" && full.hostAndPort == "seedbox:9092")
        #expect(throws: RPCEndpoint.InvalidURL.self) { try RPCEndpoint(parsing: "ftp://host:21") }
    }

    @Test func refusedResultsBecomeErrors() throws {
        #expect(throws: RPCError.refused(method: "torrent-frob", result: "method name not recognized")) {
            try RPCClient.decodeResponse(Data(#"{"arguments":{},"result":"method name not recognized"}"#.utf8),
                                         method: "torrent-frob")
        }
        #expect(throws: RPCError.self) { try RPCClient.decodeResponse(Data("<html>".utf8), method: "session-get") }
    }
}
