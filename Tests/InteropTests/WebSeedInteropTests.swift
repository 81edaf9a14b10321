import Foundation
import Testing
import TestSupport

extension Interop {
    /// `rill download` of a torrent whose only source is a web seed (BEP 19): a local HTTP server
    /// (`Scripts/webseed_server.py`) serving the torrent's folder with byte ranges.
    @Suite(.serialized) struct WebSeedInteropTests {
        /// libtorrent and aria2c stop using a mirror after one 503 (NOTES.md); rill backs off and
        /// retries, so a mirror that fails every third request still delivers the whole torrent.
        @Test func rillDownloadsFromAMirrorThatFailsOneRequestInThree() throws {
            let dir = try TemporaryDirectory()
            defer { dir.remove() }
            let payload = try TorrentAgreementTests.makePayload(in: dir, name: "mirrored")
            try dir.write("mirrored/big/c d.bin", pseudoRandomBytes(count: 1_500_000, seed: 9))
            let server = try WebSeedServer(root: dir.path, failEvery: 3)
            defer { server.stop() }
            let torrent = dir.file("mirrored.torrent")
            let created = try RillBinary.run(["create", payload, "-o", torrent, "--piece-size", "32k",
                                              "--web-seed", server.url])
            #expect(created.status == 0, "rill create failed: \(created.stderr)")

            let download = try ExternalTool.run(RillBinary.path, [
                "download", torrent, "--dir", dir.file("leech"), "--port", "0", "--listen", "127.0.0.1",
                "--no-dht", "--no-lsd", "--no-trackers", "--verbose",
            ], environment: ["RILL_HOME": dir.file("home")], timeout: 180)
            #expect(download.status == 0, "rill download failed: \(download.stderr.suffix(3000))")
            for file in ["a.bin", "empty.txt", "nested/deeper/b.bin", "nested/c.txt", "z.bin", "big/c d.bin"] {
                let original = FileManager.default.contents(atPath: dir.file("mirrored/\(file)"))
                let copy = FileManager.default.contents(atPath: dir.file("leech/mirrored/\(file)"))
                #expect(copy != nil && copy == original, "\(file) differs")
            }
            #expect(server.count(status: 503) >= 3, "the mirror failed requests: \(server.process.printed.suffix(500))")
            #expect(download.stderr.contains("web seed"), "the retries are logged")
        }
    }
}
