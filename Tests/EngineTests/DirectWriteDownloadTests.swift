import Engine
import EngineAPI
import Foundation
import Storage
import Testing
import TestSupport
import TorrentCore

/// Downloads written with O_DIRECT (the default) and without, over 127.0.0.1 between rill sessions.
@Suite(.timeLimit(.minutes(2))) struct DirectWriteDownloadTests {
    /// 16 KiB pieces (batched into runs on the write thread) over files off the 4 KiB grid, so
    /// pieces straddle files and spans have heads and tails that go buffered.
    static let files = [("a.bin", 100_003), ("sub/b.bin", 4_097), ("c.bin", 1), ("d.bin", 1_300_000)]

    @Test(arguments: [true, false])
    func multiFileDownloadLandsByteExact(directWrites: Bool) async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let meta = try SwarmFixture.makeTorrent(in: dir, name: "set", files: Self.files, pieceLength: 16 * 1024)
        let opened = OpenedStorages()
        let seeder = try await SwarmFixture.session()
        let leecher = try await SwarmFixture.session { configuration in
            configuration.makeStorage = { layout, root, prepare in
                let storage = try FileStorage(root: root, layout: layout, mode: .readWrite, directWrites: directWrites)
                if prepare { try storage.prepare() }
                opened.add(storage)
                return storage
            }
        }
        _ = try await seeder.add(meta, downloadDirectory: dir.file("seed"))
        let hash = try await leecher.add(meta, downloadDirectory: dir.file("leech"))
        leecher.addPeers([await SwarmFixture.endpoint(of: seeder)], to: hash)

        try await withTimeout(60, "download") { try await leecher.waitUntilComplete(hash) }
        #expect(sameFiles(meta, dir.file("seed"), dir.file("leech")))
        // What was written is what a fresh check reads back.
        let check = try FileStorage(root: dir.file("leech"), layout: meta.info.layout, mode: .readOnly)
        for piece in 0..<meta.info.pieceCount {
            let bytes = try check.readPiece(piece)
            #expect(bytes.withUnsafeBytes { meta.info.pieceMatches(piece, data: $0) }, "piece \(piece)")
        }
        let storages = opened.all
        #expect(!storages.isEmpty)
        if directWrites && fileSystemType(of: dir.path) == "tmpfs" {
            print("DirectWriteDownloadTests: \(dir.path) is on tmpfs, which refuses O_DIRECT; only the fallback ran")
        } else {
            for storage in storages {
                for index in meta.info.files.indices {
                    #expect(storage.writesDirectly(toFile: index) == directWrites, "file \(index)")
                }
            }
        }
        await leecher.shutdown()
        await seeder.shutdown()
    }
}

/// The storages a session opened, kept for the test to ask.
private final class OpenedStorages: @unchecked Sendable {
    private let lock = NSLock()
    private var storages: [FileStorage] = []

    func add(_ storage: FileStorage) { lock.withLock { storages.append(storage) } }
    var all: [FileStorage] { lock.withLock { storages } }
}
