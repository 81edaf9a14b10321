import Engine
import EngineAPI
import Foundation
import Logging
import TorrentCore

/// The rest of the demo's library, so every state of a torrent shows at once: one seeding to
/// demo leechers (upload rate, the U flag, the upload graph), one with a skipped file, one
/// queued behind the active-download limit, one paused part-way, and a magnet link whose
/// metadata arrives a few seconds in. Its peers are sessions on 127.0.0.30 and up, driven
/// through `TorrentEngine` like the rest of the demo; the files live in the demo's folder.
final class DemoLibrary: @unchecked Sendable {
    /// A small folder of random files.
    struct Payload {
        let name: String
        let files: [(name: String, share: Int)]
        let megabytes: Int
    }

    static let photos = Payload(name: "rill-demo-photos", files: [("beach.raw", 40), ("city.raw", 35),
                                                                  ("forest.raw", 25)], megabytes: 24)
    static let series = Payload(name: "rill-demo-series", files: [("e01 - Pilot.mkv", 35),
                                                                  ("e02 - Skipped.mkv", 35), ("e03 - Finale.mkv", 30)],
                                megabytes: 24)
    static let podcast = Payload(name: "rill-demo-podcast", files: [("episode-1.ogg", 50), ("episode-2.ogg", 50)],
                                 megabytes: 12)
    static let lectures = Payload(name: "rill-demo-lectures", files: [("week-1.mp4", 40), ("week-2.mp4", 60)],
                                  megabytes: 12)
    static let liveSet = Payload(name: "rill-demo-live-set", files: [("set.flac", 90), ("tracklist.txt", 10)],
                                 megabytes: 12)

    /// The library seeder, and the leechers that download the photos from the UI's session.
    private var peers: [any TorrentEngine] = []
    private var tasks: [Task<Void, Never>] = []
    private let lock = NSLock()

    /// Seconds before the magnet link's peer shows up, so "metadata" is on screen for a while.
    static let magnetDelay: Duration = .seconds(6)

    static func start(session: any TorrentEngine, folder: String, log: Logger) async throws -> DemoLibrary {
        let library = DemoLibrary()
        do {
            try await library.setUp(session: session, folder: folder, log: log)
        } catch {
            await library.stop()
            throw error
        }
        return library
    }

    private func setUp(session: any TorrentEngine, folder: String, log: Logger) async throws {
        let shelf = folder + "/library", download = folder + "/download"
        var torrents: [String: Metainfo] = [:]
        for payload in [Self.photos, Self.series, Self.podcast, Self.lectures, Self.liveSet] {
            try DemoPayload.write(folderName: payload.name, files: payload.files, totalBytes: payload.megabytes << 20,
                                  to: shelf)
            torrents[payload.name] = try DemoPayload.torrent(of: shelf, folderName: payload.name)
        }
        // The UI's session has all the photos and the first week of lectures already.
        try DemoPayload.write(folderName: Self.photos.name, files: Self.photos.files,
                              totalBytes: Self.photos.megabytes << 20, to: download)
        try DemoPayload.write(folderName: Self.lectures.name, files: Self.lectures.files,
                              totalBytes: Self.lectures.megabytes << 20, to: download, only: [0])
        guard let photos = torrents[Self.photos.name], let series = torrents[Self.series.name],
              let podcast = torrents[Self.podcast.name], let lectures = torrents[Self.lectures.name],
              let liveSet = torrents[Self.liveSet.name] else { return }

        let seeder = try await Self.session(host: "127.0.0.30", name: "demo-library", upload: 384 * 1024, log: log)
        remember(seeder)
        for meta in [series, podcast, lectures, liveSet] {
            seeder.perform(.add(.torrentData(meta.torrentBytes()), directory: shelf))
        }
        let seederPort = seeder.snapshot(detail: nil).listenPort

        // Two downloads at a time: the album and the series run, the podcast waits in line.
        session.perform(.setQueueLimits(downloads: 2, seeds: nil))
        session.perform(.add(.torrentData(photos.torrentBytes()), directory: download))
        session.perform(.add(.torrentData(series.torrentBytes()), directory: download,
                             options: AddOptions(selectedFiles: [0, 2], labels: ["skipped-file"])))
        session.perform(.add(.torrentData(podcast.torrentBytes()), directory: download))
        session.perform(.add(.torrentData(lectures.torrentBytes()), directory: download,
                             options: AddOptions(startPaused: true)))
        let magnet = "magnet:?xt=urn:btih:\(liveSet.infoHash.hex)&dn=\(Self.liveSet.name)"
        session.perform(.add(.magnet(magnet), directory: download))
        for meta in [series, podcast, lectures] {
            session.perform(.addPeer(Self.id(meta), host: "127.0.0.30", port: seederPort))
        }

        let mainPort = session.snapshot(detail: nil).listenPort
        for (index, rate) in [96 * 1024, 160 * 1024].enumerated() {
            let leecher = try await Self.session(host: "127.0.0.\(40 + index)", name: "demo-leecher-\(index + 1)",
                                                 download: rate, log: log)
            remember(leecher)
            let root = folder + "/leecher-\(index + 1)"
            remember(Task { await Self.keepLeeching(photos, engine: leecher, root: root, seederPort: mainPort) })
        }
        remember(Task {
            do { try await Task.sleep(for: Self.magnetDelay) } catch { return }
            session.perform(.addPeer(Self.id(liveSet), host: "127.0.0.30", port: seederPort))
        })
    }

    /// Downloads `meta` from the UI's session again and again (the data is deleted each time it
    /// completes), so the UI always has someone to upload to.
    private static func keepLeeching(_ meta: Metainfo, engine: any TorrentEngine, root: String, seederPort: Int) async {
        let torrent = Self.id(meta)
        for _ in 0..<1_000 {
            engine.perform(.add(.torrentData(meta.torrentBytes()), directory: root,
                                options: AddOptions(seedWhenComplete: false, peers: ["127.0.0.1:\(seederPort)"])))
            for _ in 0..<3_600 {
                do { try await Task.sleep(for: .seconds(1)) } catch { return }
                if engine.snapshot(detail: nil).torrents.first(where: { $0.id == torrent })?.isComplete == true { break }
            }
            engine.perform(.remove(torrent, deleteData: true))
            do { try await Task.sleep(for: .seconds(2)) } catch { return }
        }
    }

    private static func session(host: String, name: String, upload: Int? = nil, download: Int? = nil,
                                log: Logger) async throws -> any TorrentEngine {
        var configuration = SessionConfiguration()
        configuration.listenHost = host
        configuration.listenPort = 0
        configuration.useTrackers = false
        configuration.uploadRateLimit = upload
        configuration.downloadRateLimit = download
        configuration.clientName = name
        return try await Session(configuration: configuration, logger: log)
    }

    private static func id(_ meta: Metainfo) -> TorrentID { TorrentID(hex: meta.infoHash.hex) }

    private func remember(_ engine: any TorrentEngine) { lock.withLock { peers.append(engine) } }
    private func remember(_ task: Task<Void, Never>) { lock.withLock { tasks.append(task) } }

    /// Stops the leechers' loops and every session of the library.
    func stop() async {
        let (tasks, peers) = lock.withLock { (self.tasks, self.peers) }
        for task in tasks { task.cancel() }
        for task in tasks { await task.value }
        for peer in peers { await peer.close() }
    }
}
