import Foundation
import Testing
import TestSupport
import TorrentCore

extension Interop {
    /// `rill daemon` driven by real Transmission RPC clients on 127.0.0.1: transmission-remote
    /// (transmission-cli) and the Python `transmission-rpc` library.
    @Suite(.serialized) struct DaemonInteropTests {
        static let haveRemote = ExternalTool.toolsRequired || Remote.binary != nil

        /// A payload of two files in `dir/data/album` and its torrent.
        static func makeAlbum(_ dir: TemporaryDirectory, tracker: String? = nil) throws -> String {
            try dir.write("data/album/one.bin", pseudoRandomBytes(count: 1_500_011, seed: 3))
            try dir.write("data/album/two/three.bin", pseudoRandomBytes(count: 700_001, seed: 4))
            let torrent = dir.file("album.torrent")
            var arguments = ["create", dir.file("data/album"), "-o", torrent, "--piece-size", "64k", "--no-date"]
            if let tracker { arguments += ["--tracker", tracker] }
            try RillBinary.run(arguments)
            return torrent
        }

        @Test(.enabled(if: haveRemote, "transmission-cli is not installed"))
        func transmissionRemoteAddsShowsStopsStartsAndRemoves() throws {
            let dir = try TemporaryDirectory()
            defer { dir.remove() }
            let torrent = try Self.makeAlbum(dir)
            let daemon = try RillDaemonProcess(home: dir.file("home"), downloads: dir.file("downloads"))
            defer { daemon.stop() }
            let hash = try RillBinary.info(torrent).info_hash

            // Data present: it verifies and seeds.
            let added = try Remote.ok(daemon.address, ["-a", torrent, "-w", dir.file("data")])
            #expect(added.contains("success"))
            var list = try Remote.waitForList(daemon.address) { $0.contains("100%") && $0.contains("album") }
            #expect(list.contains("Idle") || list.contains("Seeding"), "\(list)")

            let info = try Remote.info(daemon.address, torrent: "1")
            #expect(info["Name"] == "album")
            #expect(info["Hash"] == hash)
            #expect(info["Percent Done"] == "100%")
            #expect(info["Location"] == dir.file("data"))
            #expect(info["Magnet"]?.hasPrefix("magnet:?xt=urn:btih:\(hash)") == true)
            let files = try Remote.ok(daemon.address, ["-t", "1", "-f"])
            #expect(files.contains("album/one.bin") && files.contains("album/two/three.bin"), "\(files)")

            _ = try Remote.ok(daemon.address, ["-t", hash, "-S"])
            list = try Remote.waitForList(daemon.address) { $0.contains("Stopped") }
            _ = try Remote.ok(daemon.address, ["-t", "1", "-s"])
            list = try Remote.waitForList(daemon.address) { !$0.contains("Stopped") }
            _ = try Remote.ok(daemon.address, ["-t", "1", "-L", "tv,hd"])
            #expect(try Remote.info(daemon.address, torrent: "1")["Labels"] == "tv, hd")

            _ = try Remote.ok(daemon.address, ["-t", "1", "-r"])
            list = try Remote.waitForList(daemon.address) { !$0.contains("album") }
            #expect(FileManager.default.fileExists(atPath: dir.file("data/album/one.bin")), "remove keeps the data")

            // Refusals reach the user as messages, and the daemon keeps answering.
            let unknown = try Remote.run(daemon.address, ["-t", "99", "-i"])
            #expect(unknown.status == 0)
            #expect(daemon.stop() == 0, "SIGTERM ends the daemon cleanly: \(daemon.process.printed)")
            #expect(daemon.process.printed.contains("rill daemon stopped"))
        }

        @Test(.enabled(if: haveRemote && (ExternalTool.toolsRequired || (OpenTrackerProcess.binary != nil
            && ExternalTool.hasPythonLibtorrent)), "transmission-cli, opentracker or python3-libtorrent missing"))
        func aTorrentAddedByTransmissionRemoteDownloadsFromLibtorrentThroughOpentracker() throws {
            try SwarmInteropTests.requireLibtorrent()
            let dir = try TemporaryDirectory()
            defer { dir.remove() }
            let binary = try #require(OpenTrackerProcess.binary, "opentracker is not installed (CI must have it)")
            let probe = try Self.makeAlbum(dir)
            let hash = try #require(InfoHash(text: try RillBinary.info(probe).info_hash))
            let tracker = try OpenTrackerProcess(binary: binary, whitelist: [hash])
            defer { tracker.stop() }
            let torrent = try Self.makeAlbum(dir, tracker: tracker.httpAnnounceURL)
            let (seeder, _) = try SwarmInteropTests.startLibtorrentSeeder(torrent: torrent, dir: dir.file("data"),
                                                                          host: "127.0.0.1")
            defer { seeder.stop() }
            let daemon = try RillDaemonProcess(home: dir.file("home"), downloads: dir.file("downloads"))
            defer { daemon.stop() }

            _ = try Remote.ok(daemon.address, ["-a", torrent])
            _ = try Remote.waitForList(daemon.address, timeout: 120) { $0.contains("100%") }
            for file in ["album/one.bin", "album/two/three.bin"] {
                #expect(FileManager.default.contents(atPath: dir.file("downloads/\(file)"))
                    == FileManager.default.contents(atPath: dir.file("data/\(file)")), "\(file)")
            }
            let info = try Remote.info(daemon.address, torrent: "1")
            #expect(info["Downloaded"] != "None", "\(info)")
        }

        /// What Sonarr and FlexGet do: `torrent-add` with the URL of a `.torrent`, which the daemon's
        /// engine downloads itself.
        @Test(.enabled(if: haveRemote, "transmission-cli is not installed"))
        func aTorrentNamedByURLIsDownloadedAndAdded() throws {
            let dir = try TemporaryDirectory()
            defer { dir.remove() }
            _ = try Self.makeAlbum(dir)
            let server = try WebSeedServer(root: dir.url.path)
            defer { server.stop() }
            let daemon = try RillDaemonProcess(home: dir.file("home"), downloads: dir.file("downloads"))
            defer { daemon.stop() }
            _ = try Remote.ok(daemon.address, ["-a", server.url + "album.torrent", "-w", dir.file("data")])
            let list = try Remote.waitForList(daemon.address) { $0.contains("100%") && $0.contains("album") }
            #expect(list.contains("album"))
            #expect(server.count(status: 200) >= 1, "the daemon fetched the file: \(server.process.printed)")
            let missing = try Remote.run(daemon.address, ["-a", server.url + "missing.torrent"])
            #expect((missing.stdout + missing.stderr).contains("404"), "a missing file is named: \(missing.stdout)")
        }

        @Test(.enabled(if: haveRemote, "transmission-cli is not installed"))
        func aRestartedDaemonKeepsItsListAndLabels() throws {
            let dir = try TemporaryDirectory()
            defer { dir.remove() }
            let torrent = try Self.makeAlbum(dir)
            var daemon = try RillDaemonProcess(home: dir.file("home"), downloads: dir.file("downloads"))
            _ = try Remote.ok(daemon.address, ["-a", torrent, "-w", dir.file("data")])
            _ = try Remote.waitForList(daemon.address) { $0.contains("100%") }
            _ = try Remote.ok(daemon.address, ["-t", "1", "-L", "keep", "-S"])
            _ = try Remote.waitForList(daemon.address) { $0.contains("Stopped") }
            #expect(daemon.stop() == 0)

            daemon = try RillDaemonProcess(home: dir.file("home"), downloads: dir.file("downloads"), rpcPort: daemon.rpcPort)
            defer { daemon.stop() }
            let list = try Remote.waitForList(daemon.address) { $0.contains("album") }
            #expect(list.contains("Stopped"), "a stopped torrent stays stopped: \(list)")
            #expect(try Remote.info(daemon.address, torrent: "1")["Labels"] == "keep")
        }

        @Test(.enabled(if: haveRemote, "transmission-cli is not installed"))
        func credentialsHostHeaderAndSizeAreEnforced() throws {
            let dir = try TemporaryDirectory()
            defer { dir.remove() }
            let daemon = try RillDaemonProcess(home: dir.file("home"), downloads: dir.file("downloads"),
                                               extra: ["--rpc-username", "ann", "--rpc-password", "pw"])
            defer { daemon.stop() }
            let wrong = try Remote.run(daemon.address, ["-n", "ann:nope", "-l"])
            #expect(wrong.status != 0)
            #expect((wrong.stderr + wrong.stdout).contains("unauthorized: wrong or missing user name and password"),
                    "\(wrong.stderr)")
            #expect(try Remote.ok(daemon.address, ["-n", "ann:pw", "-l"]).contains("Sum:"))

            let open = try RillDaemonProcess(home: dir.file("home2"), downloads: dir.file("downloads2"))
            defer { open.stop() }
            let probe = """
                import http.client, json, sys
                port = int(sys.argv[1])
                def post(body, host=None):
                    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                    headers = {"Content-Type": "application/json"}
                    if host: headers["Host"] = host
                    c.request("POST", "/transmission/rpc", body=body, headers=headers)
                    r = c.getresponse()
                    return r.status, r.getheader("X-Transmission-Session-Id")
                status, sid = post(b"{}")
                print("first", status, len(sid or ""))
                print("foreign", post(b"{}", host="rebind.attacker.example:9091")[0])
                c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                c.request("POST", "/transmission/rpc", body=b"x" * (20 << 20), headers={"X-Transmission-Session-Id": sid})
                print("oversize", c.getresponse().status)
                """
            let output = try ExternalTool.run("/usr/bin/python3", ["-c", probe, String(open.rpcPort)], timeout: 60)
            #expect(output.stdout.contains("first 409 48"), "\(output.stdout)\(output.stderr)")
            #expect(output.stdout.contains("foreign 421"), "\(output.stdout)")
            #expect(output.stdout.contains("oversize 413"), "\(output.stdout)\(output.stderr)")
            #expect(try Remote.ok(open.address, ["-l"]).contains("Sum:"), "still answering")
        }

        @Test(.enabled(if: haveRemote, "transmission-cli is not installed"))
        func filesDroppedInTheWatchFolderAreAddedOrMarkedInvalid() throws {
            let dir = try TemporaryDirectory()
            defer { dir.remove() }
            let torrent = try Self.makeAlbum(dir)
            let watch = dir.file("watch")
            try FileManager.default.createDirectory(atPath: watch, withIntermediateDirectories: true)
            let daemon = try RillDaemonProcess(home: dir.file("home"), downloads: dir.file("data"),
                                               extra: ["--watch-dir", watch])
            defer { daemon.stop() }
            try FileManager.default.copyItem(atPath: torrent, toPath: watch + "/album.torrent")
            try dir.write("watch/broken.torrent", Array("d8:announce3:foo".utf8))
            let hash = String(repeating: "ab", count: 20)
            try dir.write("watch/link.magnet", Array("magnet:?xt=urn:btih:\(hash)&dn=linked\n".utf8))

            // The album's data is in the download folder: it is checked complete.
            let list = try Remote.waitForList(daemon.address, timeout: 30) {
                $0.split(separator: "\n").contains { $0.contains("album") && $0.contains("100%") } && $0.contains("linked")
            }
            #expect(list.contains("linked"))
            let deadline = Date().addingTimeInterval(20)
            while Date() < deadline && !FileManager.default.fileExists(atPath: watch + "/broken.torrent.invalid") {
                Thread.sleep(forTimeInterval: 0.2)
            }
            let names = Set(try FileManager.default.contentsOfDirectory(atPath: watch))
            #expect(names == ["album.torrent.added", "link.magnet.added", "broken.torrent.invalid"], "\(names)")
            #expect(daemon.process.printed.contains("broken.torrent is invalid"), "\(daemon.process.printed)")
        }

        @Test func systemdHearsReadyOnceTheRPCListens() throws {
            let dir = try TemporaryDirectory()
            defer { dir.remove() }
            let socket = dir.file("notify.sock")
            let port = try OpenTrackerProcess.freeLoopbackPort()
            // A stand-in for systemd: a datagram socket that prints what it receives.
            let listener = try BackgroundProcess("/usr/bin/python3", ["-c", """
                import socket, sys
                s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
                s.bind(sys.argv[1]); print("listening", flush=True)
                s.settimeout(60)
                while True:
                    print(s.recv(4096).decode().replace("\\n", " | "), flush=True)
                """, socket])
            defer { listener.stop() }
            #expect(listener.waitForLine(matching: "listening", timeout: 10) != nil)
            let daemon = try BackgroundProcess(RillBinary.path, [
                "daemon", "--dir", dir.file("d"), "--port", "0", "--listen", "127.0.0.1", "--no-dht", "--no-lsd",
                "--rpc-port", String(port),
            ], environment: ["RILL_HOME": dir.file("home"), "NOTIFY_SOCKET": socket])
            defer { daemon.stop() }
            let ready = listener.waitForLine(matching: "READY=1.*", timeout: 60)
            #expect(ready?.contains("STATUS=RPC at http://127.0.0.1:\(port)/transmission/rpc") == true,
                    "\(listener.printed) / \(daemon.printed)")
            // Ready means the port answers.
            let probe = try ExternalTool.run("/usr/bin/python3", ["-c", """
                import http.client, sys
                c = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]), timeout=5)
                c.request("POST", "/transmission/rpc", body=b"{}")
                print(c.getresponse().status)
                """, String(port)], timeout: 30)
            #expect(probe.stdout.contains("409"))
            #expect(daemon.stop() == 0)
            #expect(listener.waitForLine(matching: "STOPPING=1", timeout: 10) != nil)
        }

        @Test(.enabled(if: haveRemote, "transmission-cli is not installed"))
        func aRefusalToBindBeyondLoopbackWithoutCredentialsIsOneSentence() throws {
            let dir = try TemporaryDirectory()
            defer { dir.remove() }
            let output = try ExternalTool.run(RillBinary.path, ["daemon", "--rpc-bind", "0.0.0.0", "--port", "0", "--no-dht",
                                                                "--no-lsd", "--dir", dir.file("d")],
                                              environment: ["RILL_HOME": dir.file("home")], timeout: 30)
            #expect(output.status != 0)
            #expect(output.stderr.contains("refusing to serve the RPC on 0.0.0.0 without a user name and password"),
                    "\(output.stderr)")
        }
    }
}
