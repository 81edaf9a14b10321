import Engine
import EngineAPI
import Foundation
import Logging
import TorrentCore

/// A swarm on 127.0.0.x that needs no network: seeders with different upload limits (two of
/// them holding only part of the data, so rarity varies), one seeder that keeps leaving and
/// coming back, and the session the UI shows, which downloads from them. Everything lives in
/// a temporary folder that `stop()` deletes. Beside that download, a `DemoLibrary` shows every
/// other state a torrent can be in.
final class DemoSwarm: @unchecked Sendable {
    /// The engine the UI shows; every part of the swarm is driven through `TorrentEngine`.
    let session: any TorrentEngine
    let folder: String
    let infoHash: InfoHash
    var id: TorrentID { TorrentID(hex: infoHash.hex) }
    private var seeders: [(any TorrentEngine)?]
    /// The data folder of each seeder.
    private let roots: [String]
    private let metainfo: Metainfo
    private let log: Logger
    private var flapping: Task<Void, Never>?
    /// The other torrents of the demo (seeding, skipped file, queued, paused, magnet).
    private var library: DemoLibrary?
    private let lock = NSLock()

    /// Upload limit of seeder `index`: each twice the one before, from 192 KiB/s.
    static func uploadLimit(_ index: Int) -> Int { (192 * 1024) << min(index, 6) }

    static func start(seeders count: Int, megabytes: Int, log: Logger) async throws -> DemoSwarm {
        let folder = NSTemporaryDirectory() + "rill-demo-" + String(UInt32.random(in: 0...UInt32.max), radix: 16)
        let totalBytes = megabytes << 20
        do {
            try DemoPayload.write(totalBytes: totalBytes, to: folder + "/seed")
            let metainfo = try DemoPayload.torrent(of: folder + "/seed")
            var seeders: [(any TorrentEngine)?] = []
            var roots: [String] = []
            for index in 0..<count {
                // Seeders 2 and 3 hold only some files: they are partial, and fetch the rest slowly.
                var root = folder + "/seed"
                if index == 2 || index == 3 {
                    root = folder + "/partial-\(index)"
                    let files = Set(DemoPayload.files.indices.filter { index == 2 ? $0 < 3 : $0 % 2 == 1 })
                    try DemoPayload.write(totalBytes: totalBytes, to: root, only: files)
                }
                seeders.append(try await startSeeder(index, metainfo: metainfo, root: root, log: log))
                roots.append(root)
            }
            var configuration = SessionConfiguration()
            configuration.listenHost = "127.0.0.1"
            configuration.listenPort = 0
            configuration.useTrackers = false
            configuration.resumeFolder = folder + "/resume"
            configuration.downloadDirectory = folder + "/download"
            let session: any TorrentEngine = try await Session(configuration: configuration, logger: log)
            let swarm = DemoSwarm(session: session, folder: folder, metainfo: metainfo, seeders: seeders,
                                  roots: roots, log: log)
            try FileManager.default.createDirectory(atPath: folder + "/download", withIntermediateDirectories: true)
            session.perform(.add(.torrentData(metainfo.torrentBytes()), directory: folder + "/download"))
            swarm.introduce()
            swarm.startFlapping()
            do {
                let library = try await DemoLibrary.start(session: session, folder: folder, log: log)
                swarm.lock.withLock { swarm.library = library }
            } catch {
                await swarm.stop()
                throw error
            }
            return swarm
        } catch {
            try? FileManager.default.removeItem(atPath: folder)
            throw error
        }
    }

    private init(session: any TorrentEngine, folder: String, metainfo: Metainfo, seeders: [(any TorrentEngine)?],
                 roots: [String],
                 log: Logger) {
        self.roots = roots
        self.session = session
        self.folder = folder
        self.metainfo = metainfo
        self.infoHash = metainfo.infoHash
        self.seeders = seeders
        self.log = log
    }

    private static func startSeeder(_ index: Int, metainfo: Metainfo, root: String, log: Logger) async throws
        -> any TorrentEngine {
        var configuration = SessionConfiguration()
        configuration.listenHost = "127.0.0.\(index + 2)"
        configuration.listenPort = 0
        configuration.useTrackers = false
        configuration.uploadRateLimit = uploadLimit(index)
        configuration.downloadRateLimit = 128 * 1024
        configuration.clientName = "demo-seeder-\(index + 1)"
        let seeder: any TorrentEngine = try await Session(configuration: configuration, logger: log)
        seeder.perform(.add(.torrentData(metainfo.torrentBytes()), directory: root))
        return seeder
    }

    /// Tells the downloader about the first seeders; the others dial in themselves, so the peers
    /// pane shows both directions.
    private func introduce() {
        let downloader = session.snapshot(detail: nil).listenPort
        for (index, seeder) in lock.withLock({ seeders }).enumerated() {
            guard let seeder else { continue }
            if index % 2 == 0 {
                let port = seeder.snapshot(detail: nil).listenPort
                session.perform(.addPeer(id, host: "127.0.0.\(index + 2)", port: port))
            } else {
                seeder.perform(.addPeer(id, host: "127.0.0.1", port: downloader))
            }
        }
    }

    /// The last seeder leaves for 8 s every 20 s, as real peers do.
    private func startFlapping() {
        let index = lock.withLock { seeders.count } - 1
        guard index >= 1 else { return }
        flapping = Task { [self] in
            for _ in 0..<10_000 {
                do { try await Task.sleep(for: .seconds(20)) } catch { return }
                guard let leaving = lock.withLock({ () -> (any TorrentEngine)? in
                    defer { seeders[index] = nil }
                    return seeders[index]
                }) else { return }
                await leaving.close()
                do { try await Task.sleep(for: .seconds(8)) } catch { return }
                guard let back = try? await Self.startSeeder(index, metainfo: metainfo, root: roots[index], log: log)
                else { continue }
                let stopped = lock.withLock { () -> Bool in
                    guard flapping?.isCancelled == false else { return true }
                    seeders[index] = back
                    return false
                }
                if stopped {
                    await back.close()
                    return
                }
                back.perform(.addPeer(id, host: "127.0.0.1", port: session.snapshot(detail: nil).listenPort))
            }
        }
    }

    /// Stops every session and deletes the temporary folder.
    func stop() async {
        flapping?.cancel()
        await flapping?.value
        await lock.withLock({ library })?.stop()
        await session.close()
        for seeder in lock.withLock({ seeders }) { await seeder?.close() }
        try? FileManager.default.removeItem(atPath: folder)
    }
}
