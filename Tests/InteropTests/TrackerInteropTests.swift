import Foundation
import Testing
import TestSupport
import TorrentCore

extension Interop {
    /// Peers that find each other only through a real tracker (Debian's opentracker) on 127.0.0.1.
    @Suite(.serialized) struct TrackerInteropTests {
        static let haveTools = ExternalTool.toolsRequired
            || (OpenTrackerProcess.binary != nil && ExternalTool.hasPythonLibtorrent && ExternalTool.find("aria2c") != nil)

        /// A payload, a torrent announcing to a fresh opentracker over `scheme`, and the tracker.
        static func setUp(_ dir: TemporaryDirectory, scheme: String, size: Int) throws -> (torrent: String, tracker: OpenTrackerProcess) {
            let binary = try #require(OpenTrackerProcess.binary, "opentracker is not installed (CI must have it)")
            try dir.write("seed/payload.bin", pseudoRandomBytes(count: size, seed: 51))
            // The info-hash is known before the tracker starts, so make the torrent with a placeholder
            // port first to learn it, then again with the real URL (the URL is outside `info`).
            let probe = dir.file("probe.torrent")
            try RillBinary.run(["create", dir.file("seed/payload.bin"), "-o", probe, "--piece-size", "64k", "--no-date"])
            let hash = try #require(InfoHash(text: try RillBinary.info(probe).info_hash))
            let tracker = try OpenTrackerProcess(binary: binary, whitelist: [hash])
            let url = scheme == "udp" ? tracker.udpAnnounceURL : tracker.httpAnnounceURL
            let torrent = dir.file("payload.torrent")
            try RillBinary.run(["create", dir.file("seed/payload.bin"), "-o", torrent, "--piece-size", "64k", "--no-date",
                                "--tracker", url])
            return (torrent, tracker)
        }

        @Test(.enabled(if: haveTools, "opentracker, aria2 or python3-libtorrent missing"), arguments: ["http", "udp"])
        func rillDownloadsFromLibtorrentThroughTheTracker(scheme: String) throws {
            try SwarmInteropTests.requireLibtorrent()
            let dir = try TemporaryDirectory()
            defer { dir.remove() }
            let (torrent, tracker) = try Self.setUp(dir, scheme: scheme, size: 4_000_037)
            defer { tracker.stop() }
            let (seeder, _) = try SwarmInteropTests.startLibtorrentSeeder(torrent: torrent, dir: dir.file("seed"), host: "127.0.0.1")
            defer { seeder.stop() }
            #expect(seeder.printed.contains("announced"), "libtorrent announced to opentracker: \(seeder.printed)")

            // No --peer: the only way to the seeder is the tracker.
            let download = try ExternalTool.run(RillBinary.path, [
                "download", torrent, "--dir", dir.file("leech"), "--port", "0", "--no-dht", "--no-lsd", "--listen", "127.0.0.1",
            ], environment: ["RILL_HOME": dir.file("home")], timeout: 120)
            #expect(download.status == 0, "rill download failed: \(download.stderr)")
            #expect(FileManager.default.contents(atPath: dir.file("leech/payload.bin"))
                == FileManager.default.contents(atPath: dir.file("seed/payload.bin")))
        }

        @Test(.enabled(if: haveTools, "opentracker, aria2 or python3-libtorrent missing"))
        func rillMagnetFindsLibtorrentThroughItsTrackerOnly() throws {
            try SwarmInteropTests.requireLibtorrent()
            let dir = try TemporaryDirectory()
            defer { dir.remove() }
            let (torrent, tracker) = try Self.setUp(dir, scheme: "http", size: 2_000_003)
            defer { tracker.stop() }
            let (seeder, _) = try SwarmInteropTests.startLibtorrentSeeder(torrent: torrent, dir: dir.file("seed"), host: "127.0.0.1")
            defer { seeder.stop() }
            let hash = try RillBinary.info(torrent).info_hash
            // No x.pe and no --peer: the magnet's tr= tracker is announced before the metadata is known.
            let link = "magnet:?xt=urn:btih:\(hash)&tr=" + tracker.httpAnnounceURL
            let download = try ExternalTool.run(RillBinary.path, [
                "download", link, "--dir", dir.file("leech"), "--port", "0", "--listen", "127.0.0.1",
            ], environment: ["RILL_HOME": dir.file("home")], timeout: 120)
            #expect(download.status == 0, "rill download failed: \(download.stderr)")
            #expect(FileManager.default.contents(atPath: dir.file("leech/payload.bin"))
                == FileManager.default.contents(atPath: dir.file("seed/payload.bin")))
        }

        @Test(.enabled(if: haveTools, "opentracker, aria2 or python3-libtorrent missing"))
        func aria2DownloadsFromARillSeederThroughTheTracker() throws {
            let aria2 = try #require(ExternalTool.find("aria2c"), "aria2 is not installed (CI must have it)")
            let dir = try TemporaryDirectory()
            defer { dir.remove() }
            let (torrent, tracker) = try Self.setUp(dir, scheme: "http", size: 3_000_029)
            defer { tracker.stop() }
            let (seeder, _) = try SwarmInteropTests.startRillSeeder(torrent: torrent, dir: dir.file("seed"),
                                                                   host: "127.0.0.1", home: dir.file("home"), trackers: true)
            defer { seeder.stop() }
            usleep(1_500_000)  // rill announces as soon as the torrent starts

            let download = try ExternalTool.run(aria2, [
                "--dir=\(dir.file("leech"))", "--seed-time=0", "--enable-dht=false", "--bt-enable-lpd=false",
                "--enable-peer-exchange=false", "--file-allocation=none", "--summary-interval=0",
                "--listen-port=\(try OpenTrackerProcess.freeLoopbackPort())", torrent,
            ], timeout: 120)
            #expect(download.status == 0, "aria2c failed: \(download.stdout.suffix(1500))")
            #expect(FileManager.default.contents(atPath: dir.file("leech/payload.bin"))
                == FileManager.default.contents(atPath: dir.file("seed/payload.bin")))
            #expect(seeder.stop(signal: SIGINT) == 0, "rill seed output: \(seeder.printed)")
        }
    }
}
