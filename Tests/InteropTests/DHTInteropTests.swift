import Foundation
import Testing
import TestSupport

extension Interop {
    /// rill in a small DHT of libtorrent nodes on 127.0.0.0/8: no trackers, no peers given; the
    /// two sides meet only through get_peers and announce_peer.
    @Suite(.serialized) struct DHTInteropTests {
        static let haveLibtorrent = SwarmInteropTests.haveLibtorrent

        /// Starts a libtorrent DHT node on `host` knowing `nodes`; returns it with its UDP port.
        static func startNode(host: String, nodes: [String], extra: [String] = []) throws -> (BackgroundProcess, Int) {
            let node = try BackgroundProcess("/usr/bin/python3", [Libtorrent.script, "dht", "--listen", "\(host):0",
                                                                  "--seconds", "300"]
                + nodes.flatMap { ["--node", $0] } + extra)
            let port = try #require(node.waitForLine(matching: "ready ([0-9]+)", timeout: 60).flatMap { Int($0) },
                                    "libtorrent DHT node did not start: \(node.printed)")
            return (node, port)
        }

        /// Two libtorrent nodes that know each other: the start of a loopback DHT.
        static func startDHT(hosts: (String, String)) throws -> [(BackgroundProcess, String)] {
            let (first, firstPort) = try startNode(host: hosts.0, nodes: [])
            let firstAddress = "\(hosts.0):\(firstPort)"
            let (second, secondPort) = try startNode(host: hosts.1, nodes: [firstAddress])
            return [(first, firstAddress), (second, "\(hosts.1):\(secondPort)")]
        }

        static func makeTorrent(in dir: TemporaryDirectory) throws -> String {
            try dir.write("seed/dht/payload.bin", pseudoRandomBytes(count: 2_345_678, seed: 31))
            let torrent = dir.file("dht.torrent")
            try Libtorrent.create(dir.file("seed/dht"), output: torrent, v1Only: true)
            return torrent
        }

        @Test(.enabled(if: haveLibtorrent, "python3-libtorrent is not installed"))
        func rillFetchesAMagnetFromALibtorrentSeederFoundThroughTheDHTOnly() throws {
            try SwarmInteropTests.requireLibtorrent()
            let dir = try TemporaryDirectory()
            defer { dir.remove() }
            let torrent = try Self.makeTorrent(in: dir)
            let dht = try Self.startDHT(hosts: ("127.0.0.41", "127.0.0.42"))
            defer { for (node, _) in dht { node.stop(signal: SIGKILL) } }
            let (seeder, _) = try Self.startNode(host: "127.0.0.43", nodes: dht.map(\.1),
                                                 extra: ["--seed", torrent, dir.file("seed")])
            defer { seeder.stop(signal: SIGKILL) }
            // libtorrent announces every 3 s; give its first announce a moment to land.
            Thread.sleep(forTimeInterval: 1)

            // rill knows one node of the DHT and the bare info-hash: no tracker, no peer, no metadata.
            let magnet = "magnet:?xt=urn:btih:" + (try RillBinary.info(torrent).info_hash)
            let download = try ExternalTool.run(RillBinary.path, [
                "download", magnet, "--dir", dir.file("leech"), "--port", "0", "--listen", "127.0.0.44",
                "--no-trackers", "--no-lsd", "--dht-bootstrap", dht[0].1, "--verbose",
            ], environment: ["RILL_HOME": dir.file("home")], timeout: 120)
            #expect(download.status == 0, "rill download failed: \(download.stderr.suffix(3000))")
            #expect(download.stderr.contains("received the metadata"), "the metadata came from the seeder")
            let original = FileManager.default.contents(atPath: dir.file("seed/dht/payload.bin"))
            let copy = FileManager.default.contents(atPath: dir.file("leech/dht/payload.bin"))
            #expect(copy != nil && copy == original)
            // No tracker and no peer address was given: rill either got the seeder from a get_peers
            // answer, or the seeder found rill's announce and connected to it.
            #expect(download.stderr.contains("gave 1 peer(s)") || download.stderr.contains("announced to"),
                    "rill's DHT did not take part: \(download.stderr.suffix(3000))")
            let firstByte = download.stderr.split(separator: "\n").first { $0.contains("first payload byte") }
            print("DHT interop (libtorrent seeds, rill downloads): \(firstByte ?? "no first-byte line")")
            // The routing table was saved in RILL_HOME for the next run.
            #expect(FileManager.default.fileExists(atPath: dir.file("home/dht.dat")))
        }

        @Test(.enabled(if: haveLibtorrent, "python3-libtorrent is not installed"))
        func libtorrentFetchesAMagnetFromARillSeederFoundThroughTheDHTOnly() throws {
            try SwarmInteropTests.requireLibtorrent()
            let dir = try TemporaryDirectory()
            defer { dir.remove() }
            let torrent = try Self.makeTorrent(in: dir)
            let dht = try Self.startDHT(hosts: ("127.0.0.51", "127.0.0.52"))
            defer { for (node, _) in dht { node.stop(signal: SIGKILL) } }
            let rill = try BackgroundProcess(RillBinary.path, [
                "seed", torrent, "--dir", dir.file("seed"), "--port", "0", "--listen", "127.0.0.53",
                "--no-trackers", "--no-lsd", "--dht-bootstrap", dht[0].1, "--verbose",
            ], environment: ["RILL_HOME": dir.file("home")])
            defer { rill.stop() }
            _ = try #require(rill.waitForLine(matching: "listening on port ([0-9]+)", timeout: 60),
                             "rill seed did not start: \(rill.printed)")
            // Let rill announce before the downloader asks (libtorrent asks again every 3 s anyway).
            _ = rill.waitForLine(matching: "(announced to [1-9])", timeout: 20)

            // The downloader knows only the second DHT node and the bare info-hash, never rill.
            let magnet = "magnet:?xt=urn:btih:" + (try RillBinary.info(torrent).info_hash)
            let (downloader, _) = try Self.startNode(host: "127.0.0.54", nodes: [dht[1].1],
                                                     extra: ["--download-magnet", magnet, dir.file("leech"),
                                                             "--seconds", "120"])
            let status = downloader.waitForExit(timeout: 130)
            #expect(status == 0, "libtorrent did not download from rill: \(downloader.printed)\n\(rill.printed.suffix(3000))")
            let original = FileManager.default.contents(atPath: dir.file("seed/dht/payload.bin"))
            let copy = FileManager.default.contents(atPath: dir.file("leech/dht/payload.bin"))
            #expect(copy != nil && copy == original)
            print("DHT interop (rill seeds, libtorrent downloads): \(downloader.printed.split(separator: "\n").last ?? "")")
        }
    }
}
