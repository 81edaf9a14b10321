import Engine
import EngineAPI
import Foundation
import Storage
import Testing
import TestSupport
import TorrentCore

/// "Why is it slow?" on loopback: each test builds one situation with real sessions and checks
/// the sentence the user would read in the diagnostics view.
@Suite(.timeLimit(.minutes(2)), .blockingAllowed) struct SlowDownScenarioTests {
    /// Waits until the torrent's diagnosis has `cause` (and meets `settled`); returns the last one seen.
    private func diagnosis(of hash: InfoHash, in engine: any TorrentEngine, becomes cause: String,
                           timeout: Duration = .seconds(20),
                           settled: @escaping (TorrentDiagnosis) -> Bool = { _ in true }) async -> TorrentDiagnosis? {
        let id = TorrentID(hex: hash.hex)
        var last: TorrentDiagnosis?
        _ = await engine.waitForSnapshot(detail: id, timeout: timeout) { snapshot in
            guard let detail = snapshot.detail, detail.id == id else { return false }
            last = detail.diagnosis
            return last?.cause == cause && last.map(settled) == true
        }
        return last
    }

    private func closedPort() throws -> Int {
        try OpenTrackerProcess.freeLoopbackPort()
    }

    @Test func failingTrackerAndNoDHTMeanNoPeersKnown() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let url = "http://127.0.0.1:\(try closedPort())/announce"
        let meta = try SwarmFixture.makeTorrent(in: dir, name: "lonely", files: [("a.bin", 100_000)], trackers: [[url]])
        let session = try await SwarmFixture.session { $0.useTrackers = true }
        let hash = try await session.add(meta, downloadDirectory: dir.file("leech"))
        let result = await diagnosis(of: hash, in: session, becomes: "noPeersKnown") { !$0.evidence.isEmpty }
        #expect(result?.sentence == "No peers are known: its tracker fails and the DHT is off.")
        #expect(result?.evidence.contains("tracker \(url) unreachable: connection refused") == true, "\(String(describing: result?.evidence))")
        await session.shutdown()
    }

    @Test func aPrivateTorrentSaysOnlyItsTrackersMayHelp() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let url = "http://127.0.0.1:\(try closedPort())/announce"
        let meta = try SwarmFixture.makeTorrent(in: dir, name: "members", files: [("a.bin", 100_000)],
                                                trackers: [[url]], isPrivate: true)
        let session = try await SwarmFixture.session { $0.useTrackers = true }
        let hash = try await session.add(meta, downloadDirectory: dir.file("leech"))
        let result = await diagnosis(of: hash, in: session, becomes: "noPeersKnown") { !$0.evidence.isEmpty }
        #expect(result?.sentence
            == "No peers are known: its tracker fails and it is private, so only its trackers may find peers.")
        await session.shutdown()
    }

    @Test func unreachablePeersGiveTheReasonAndTheListenPort() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let meta = try SwarmFixture.makeTorrent(in: dir, name: "gone", files: [("a.bin", 100_000)])
        let session = try await SwarmFixture.session()
        let hash = try await session.add(meta, downloadDirectory: dir.file("leech"))
        session.addPeers([PeerEndpoint(host: "127.0.0.1", port: UInt16(try closedPort()))], to: hash)
        let result = await diagnosis(of: hash, in: session, becomes: "noneConnected")
        #expect(result?.sentence == "1 peer is known but not connected: 1 attempt failed, all with "
            + "\"connection refused\"; no peer has ever connected to us, so the listen port is probably not reachable.")
        #expect(result?.evidence.first == "1 × connection refused")
        await session.shutdown()
    }

    @Test func peersThatHaveNothingWeNeedAreNamed() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let meta = try SwarmFixture.makeTorrent(in: dir, name: "empty-handed", files: [("a.bin", 200_000)])
        let first = try await SwarmFixture.session()
        let second = try await SwarmFixture.session()
        let hash = try await first.add(meta, downloadDirectory: dir.file("one"))
        _ = try await second.add(meta, downloadDirectory: dir.file("two"))
        first.addPeers([await SwarmFixture.endpoint(of: second)], to: hash)
        let result = await diagnosis(of: hash, in: first, becomes: "nothingWeNeed")
        #expect(result?.sentence
            == "The connected peer has nothing we need: no peer has any of the \(meta.info.pieceCount) missing pieces.")
        #expect(result?.evidence.contains("\(meta.info.pieceCount) of \(meta.info.pieceCount) missing pieces: "
            + "availability 0") == true)
        await first.shutdown()
        await second.shutdown()
    }

    @Test func aSeederWithNoUploadSlotsChokesUs() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let meta = try SwarmFixture.makeTorrent(in: dir, name: "stingy", files: [("a.bin", 300_000)])
        // No regular slots; its first optimistic unchoke comes only after 10 s.
        let seeder = try await SwarmFixture.session { $0.uploadSlots = 0 }
        let leecher = try await SwarmFixture.session()
        _ = try await seeder.add(meta, downloadDirectory: dir.file("seed"))
        let hash = try await leecher.add(meta, downloadDirectory: dir.file("leech"))
        leecher.addPeers([await SwarmFixture.endpoint(of: seeder)], to: hash)
        let result = await diagnosis(of: hash, in: leecher, becomes: "chokedByAll", timeout: .seconds(8))
        #expect(result?.sentence == "The one peer with pieces we need chokes us: it uploads to others, not to us.")
        await leecher.shutdown()
        await seeder.shutdown()
    }

    @Test func ourOwnDownloadLimitIsTheBottleneck() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let meta = try SwarmFixture.makeTorrent(in: dir, name: "capped", files: [("a.bin", 3_000_000)])
        let seeder = try await SwarmFixture.session()
        let leecher = try await SwarmFixture.session { $0.downloadRateLimit = 100 * 1024 }
        _ = try await seeder.add(meta, downloadDirectory: dir.file("seed"))
        let hash = try await leecher.add(meta, downloadDirectory: dir.file("leech"))
        leecher.addPeers([await SwarmFixture.endpoint(of: seeder)], to: hash)
        let result = await diagnosis(of: hash, in: leecher, becomes: "rateLimit")
        #expect(result?.sentence == "Held back by the session's own download limit of 100 KiB/s.")
        await leecher.shutdown()
        await seeder.shutdown()
    }

    @Test func pausedAndQueuedTorrentsSaySo() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let first = try SwarmFixture.makeTorrent(in: dir, name: "first", files: [("a.bin", 100_000)])
        let second = try SwarmFixture.makeTorrent(in: dir, name: "second", files: [("b.bin", 100_000)])
        let third = try SwarmFixture.makeTorrent(in: dir, name: "third", files: [("c.bin", 100_000)])
        let session = try await SwarmFixture.session { $0.maxActiveDownloads = 1 }
        _ = try await session.add(first, downloadDirectory: dir.file("leech"))
        let queued = try await session.add(second, downloadDirectory: dir.file("leech"))
        let paused = try await session.add(third, downloadDirectory: dir.file("leech"),
                                           options: AddOptions(startPaused: true))
        let waiting = await diagnosis(of: queued, in: session, becomes: "queued")
        #expect(waiting?.sentence == "It waits for a queue slot: 1 torrent is active (the limit is 1).")
        let stopped = await diagnosis(of: paused, in: session, becomes: "paused")
        #expect(stopped?.sentence == "The torrent is paused; press p to resume it.")
        await session.shutdown()
    }

    @Test func aDiskThatCannotKeepUpIsTheBottleneck() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let meta = try SwarmFixture.makeTorrent(in: dir, name: "slowdisk", files: [("a.bin", 2_000_000)])
        let gate = WriteGate()
        let seeder = try await SwarmFixture.session()
        let leecher = try await SwarmFixture.session {
            $0.maxPieceBufferBytes = 4 * 32 * 1024
            $0.makeStorage = { layout, root, prepare in
                let files = try FileStorage(root: root, layout: layout, mode: .readWrite)
                if prepare { try files.prepare() }
                return GatedStorage(files: files, gate: gate)
            }
        }
        defer { gate.open() }
        _ = try await seeder.add(meta, downloadDirectory: dir.file("seed"))
        let hash = try await leecher.add(meta, downloadDirectory: dir.file("leech"))
        leecher.addPeers([await SwarmFixture.endpoint(of: seeder)], to: hash)
        let result = await diagnosis(of: hash, in: leecher, becomes: "diskBackpressure")
        #expect(result?.sentence.hasPrefix("The disk is the bottleneck: ") == true, "\(String(describing: result))")
        #expect(result?.sentence.hasSuffix("pieces are waiting to be written, so no new blocks are requested.") == true)
        gate.open()
        try await withTimeout(60, "download after the disk recovers") { try await leecher.waitUntilComplete(hash) }
        await leecher.shutdown()
        await seeder.shutdown()
    }

    /// A scripted peer that sends fast but lets us keep only 2 requests outstanding (`reqq` 2).
    @Test func aPeerThatQueuesTwoRequestsMakesThePipelineTooShort() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let meta = try SwarmFixture.makeTorrent(in: dir, name: "narrow", files: [("a.bin", 6_000_000)])
        guard let peer = try await ScriptServer.startedOrSkipped({
            try await ScriptedPeer.start(host: "127.0.0.3", infoHashHex: meta.infoHash.hex, pieceLength: meta.info.pieceLength,
                                         data: [dir.file("seed/narrow/a.bin")], reqq: 2, delay: .milliseconds(20))
        }) else { return }
        defer { peer.stop() }
        let leecher = try await SwarmFixture.session { $0.encryption = .disabled }
        let hash = try await leecher.add(meta, downloadDirectory: dir.file("leech"))
        leecher.addPeers([PeerEndpoint(host: peer.host, port: UInt16(peer.port))], to: hash)
        let result = await diagnosis(of: hash, in: leecher, becomes: "pipelineTooShort")
        #expect(result?.sentence
            == "The request pipeline is too short: 1 peer accepts only 2 requests at a time, fewer than its rate needs.",
            "\(String(describing: result))")
        #expect(result?.evidence.contains { $0.hasPrefix("\(peer.address): 2 requests at ") } == true)
        await leecher.shutdown()
    }

    /// A fast peer has all but the last piece; the only peer with it sends a block every 30 s.
    @Test func oneSlowPeerHoldingTheLastPieceIsNamed() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let pieceLength = 32 * 1024
        let meta = try SwarmFixture.makeTorrent(in: dir, name: "tail", files: [("a.bin", 20 * pieceLength),
                                                                             ("b.bin", pieceLength)])
        let last = meta.info.pieceCount - 1
        guard let slow = try await ScriptServer.startedOrSkipped({
            try await ScriptedPeer.start(host: "127.0.0.3", infoHashHex: meta.infoHash.hex, pieceLength: pieceLength,
                                         data: [dir.file("seed/tail/a.bin"), dir.file("seed/tail/b.bin")],
                                         delay: .seconds(30), onlyPieces: [last])
        }) else { return }
        defer { slow.stop() }
        // The fast peer has a.bin only (b.bin is skipped), so it has every piece but the last.
        try FileManager.default.createDirectory(atPath: dir.file("partial/tail"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: dir.file("seed/tail/a.bin"), toPath: dir.file("partial/tail/a.bin"))
        let fast = try await SwarmFixture.session(host: "127.0.0.2")
        _ = try await fast.add(meta, downloadDirectory: dir.file("partial"), options: AddOptions(selectedFiles: [0]))
        let leecher = try await SwarmFixture.session { $0.encryption = .disabled }
        let hash = try await leecher.add(meta, downloadDirectory: dir.file("leech"))
        leecher.addPeers([await SwarmFixture.endpoint(of: fast, host: "127.0.0.2"),
                          PeerEndpoint(host: slow.host, port: UInt16(slow.port))], to: hash)
        let result = await diagnosis(of: hash, in: leecher, becomes: "endgameSlowPeer", timeout: .seconds(25))
        #expect(result?.sentence.hasPrefix("One slow peer holds the last pieces: \(slow.address) sends ") == true,
                "\(String(describing: result))")
        #expect(result?.sentence.contains(" while others could send ") == true)
        #expect(result?.evidence.contains { $0.hasPrefix("\(slow.address): 2 blocks at ") } == true,
                "\(String(describing: result?.evidence))")
        await leecher.shutdown()
        await fast.shutdown()
    }
}

/// Holds every write until opened: a disk that has stopped keeping up.
final class WriteGate: @unchecked Sendable {
    private let condition = NSCondition()
    private var isOpen = false

    func open() {
        condition.lock()
        isOpen = true
        condition.broadcast()
        condition.unlock()
    }

    func waitUntilOpen() {
        condition.lock()
        while !isOpen { condition.wait(until: Date().addingTimeInterval(0.1)) }
        condition.unlock()
    }
}

/// Files on disk whose writes wait at a `WriteGate`.
final class GatedStorage: TorrentStorage, @unchecked Sendable {
    private let files: FileStorage
    private let gate: WriteGate

    var layout: FileLayout { files.layout }

    init(files: FileStorage, gate: WriteGate) {
        self.files = files
        self.gate = gate
    }

    func read(piece: Int, offset: Int, into buffer: UnsafeMutableRawBufferPointer) throws(StorageError) {
        try files.read(piece: piece, offset: offset, into: buffer)
    }

    func write(piece: Int, offset: Int, from buffer: UnsafeRawBufferPointer) throws(StorageError) {
        gate.waitUntilOpen()
        try files.write(piece: piece, offset: offset, from: buffer)
    }

    func synchronize() throws(StorageError) {
        try files.synchronize()
    }
}
