import Engine
import EngineAPI
import Foundation
import Storage
import SystemPackage
import Testing
import TestSupport
import TorrentCore

/// A disk that fills up: writes succeed until a budget is spent, then fail with `errno` until
/// the fault is cleared.
final class DiskFault: @unchecked Sendable {
    private let lock = NSLock()
    private var writesLeft: Int?
    let errno: Errno

    init(failAfter writes: Int, with errno: Errno) {
        writesLeft = writes
        self.errno = errno
    }

    /// The disk has room again.
    func clear() { lock.withLock { writesLeft = nil } }

    /// Spends one write; false when the disk is full.
    func takeWrite() -> Bool {
        lock.withLock {
            guard let left = writesLeft else { return true }
            guard left > 0 else { return false }
            writesLeft = left - 1
            return true
        }
    }
}

/// Files on disk whose writes go through a `DiskFault`.
final class FaultyStorage: TorrentStorage, @unchecked Sendable {
    private let files: FileStorage
    private let fault: DiskFault

    var layout: FileLayout { files.layout }

    init(files: FileStorage, fault: DiskFault) {
        self.files = files
        self.fault = fault
    }

    func read(piece: Int, offset: Int, into buffer: UnsafeMutableRawBufferPointer) throws(StorageError) {
        try files.read(piece: piece, offset: offset, into: buffer)
    }

    func write(piece: Int, offset: Int, from buffer: UnsafeRawBufferPointer) throws(StorageError) {
        guard fault.takeWrite() else { throw .io(.write, path: "piece \(piece)", fault.errno) }
        try files.write(piece: piece, offset: offset, from: buffer)
    }

    func synchronize() throws(StorageError) {
        try files.synchronize()
    }
}

/// A disk that fails mid-download: the torrent stops with the reason, keeps every verified
/// piece, and completes once the fault is gone and the user resumes it.
@Suite(.timeLimit(.minutes(2))) struct DiskFaultTests {
    @Test func fullDiskFailsTheTorrentKeepsVerifiedPiecesAndResumeCompletes() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let pieceLength = 32 * 1024
        let meta = try SwarmFixture.makeTorrent(in: dir, name: "full", files: [("full.bin", 64 * pieceLength + 123)],
                                                pieceLength: pieceLength)
        let seeder = try await SwarmFixture.session(host: "127.0.0.2")
        try await seeder.add(meta, downloadDirectory: dir.file("seed"))

        let fault = DiskFault(failAfter: 20, with: .noSpace)
        let leecher = try await SwarmFixture.session(host: "127.0.0.3", resumeFolder: dir.file("resume")) { configuration in
            configuration.makeStorage = { layout, root, prepare in
                let files = try FileStorage(root: root, layout: layout, mode: .readWrite)
                if prepare { try files.prepare() }
                return FaultyStorage(files: files, fault: fault)
            }
        }
        try await leecher.add(meta, downloadDirectory: dir.file("leech"))
        let id = TorrentID(hex: meta.infoHash.hex)
        leecher.perform(.addPeer(id, host: "127.0.0.2", port: await seeder.listeningPort))

        let failed = await leecher.wait(for: id, timeout: .seconds(30)) {
            if case .failed = $0?.phase { true } else { false }
        }
        guard case .failed(let reason) = failed?.phase else {
            Issue.record("the torrent did not fail: \(String(describing: failed?.phase))")
            return
        }
        #expect(reason.contains("cannot write to disk"), "the reason names the disk: \(reason)")
        #expect(reason.contains(Errno.noSpace.description), "and the errno: \(reason)")
        #expect(leecher.drainEvents().contains { if case .failed(id, _) = $0 { true } else { false } })
        #expect(failed?.peers == 0, "a failed torrent drops its peers")
        #expect(failed?.piecesHave == 20, "every piece written before the fault stays verified")
        // Still failed after the engine's next once-a-second tick: nothing retries behind the user's back.
        let failedAt = leecher.snapshot(detail: nil).uptime
        let later = await leecher.waitForSnapshot(timeout: .seconds(10)) { $0.uptime >= failedAt + 1.5 }
        #expect(later?.torrents.first { $0.id == id }?.piecesHave == 20)
        #expect(later?.torrents.first { $0.id == id }?.phase == failed?.phase)

        fault.clear()
        leecher.perform(.resume(id))
        try await leecher.waitUntilComplete(meta.infoHash, timeout: .seconds(30))
        #expect(sameFiles(meta, dir.file("seed"), dir.file("leech")))
        let done = try #require(leecher.torrent(id))
        // Pieces that arrived while the disk was full are fetched again; the 20 verified ones never are.
        #expect(done.sessionDownloaded <= meta.info.totalLength + (meta.info.pieceCount - 20) * pieceLength,
                "the 20 verified pieces were not fetched again")
        await leecher.shutdown()
        await seeder.shutdown()
    }
}
