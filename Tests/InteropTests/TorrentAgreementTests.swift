import Foundation
import Testing
import TestSupport

extension Interop {
    /// Torrents made by real tools read the same in rill as in those tools, and torrents made by
    /// rill read the same in them; rill's check agrees with libtorrent's.
    @Suite(.serialized) struct TorrentAgreementTests {
        /// A folder with nested folders, a zero-length file and sizes that do not align with pieces.
        static func makePayload(in dir: TemporaryDirectory, name: String = "payload") throws -> String {
            try dir.write("\(name)/a.bin", pseudoRandomBytes(count: 300_001, seed: 1))
            try dir.write("\(name)/empty.txt", [])
            try dir.write("\(name)/nested/deeper/b.bin", pseudoRandomBytes(count: 70_000, seed: 2))
            try dir.write("\(name)/nested/c.txt", Array("one byte short of nothing\n".utf8))
            try dir.write("\(name)/z.bin", pseudoRandomBytes(count: 1, seed: 3))
            return dir.file(name)
        }

        static func require(_ tool: String) throws -> String {
            try #require(ExternalTool.find(tool), "\(tool) is not installed (apt-get install it; CI must have it)")
        }

        static let skipUnlessTools = ExternalTool.toolsRequired
            || (ExternalTool.find("mktorrent") != nil && ExternalTool.find("transmission-show") != nil
                && ExternalTool.hasPythonLibtorrent)

        // MARK: - Other tools' torrents in rill

        @Test(.enabled(if: skipUnlessTools, "mktorrent, transmission-cli or python3-libtorrent missing"))
        func mktorrentTorrentReadsTheSameInRillAsInLibtorrent() throws {
            let mktorrent = try Self.require("mktorrent")
            let dir = try TemporaryDirectory()
            defer { dir.remove() }
            let payload = try Self.makePayload(in: dir)
            let torrent = dir.file("mk.torrent")
            let made = try ExternalTool.run(mktorrent, ["-l", "15", "-a", "http://127.0.0.1:1/announce", "-o", torrent, payload])
            try #require(made.status == 0, "mktorrent failed: \(made.stderr)")
            try expectAgreement(torrent)
        }

        @Test(.enabled(if: skipUnlessTools, "mktorrent, transmission-cli or python3-libtorrent missing"))
        func transmissionTorrentReadsTheSameInRillAsInTransmission() throws {
            let create = try Self.require("transmission-create")
            let dir = try TemporaryDirectory()
            defer { dir.remove() }
            let payload = try Self.makePayload(in: dir)
            let torrent = dir.file("tr.torrent")
            let made = try ExternalTool.run(create, ["-o", torrent, "-t", "http://127.0.0.1:1/announce", payload])
            try #require(made.status == 0, "transmission-create failed: \(made.stderr)")
            try expectAgreement(torrent)
        }

        @Test(.enabled(if: skipUnlessTools, "mktorrent, transmission-cli or python3-libtorrent missing"),
              arguments: [true, false])
        func libtorrentTorrentReadsTheSameInRill(v1Only: Bool) throws {
            let dir = try TemporaryDirectory()
            defer { dir.remove() }
            let payload = try Self.makePayload(in: dir)
            let torrent = dir.file("lt.torrent")
            try Libtorrent.create(payload, output: torrent, v1Only: v1Only)
            // Transmission 3.00 cannot read hybrid v1+v2 torrents at all, so only libtorrent is asked there.
            try expectAgreement(torrent, askTransmission: v1Only)
            if !v1Only {
                // A hybrid torrent pads files to piece boundaries (BEP 47); rill must show the pads as such.
                let rill = try RillBinary.info(torrent)
                #expect(rill.files?.contains { $0.padding } == true)
            }
        }

        /// rill's `info --json` says what libtorrent and transmission-show say about `torrent`.
        private func expectAgreement(_ torrent: String, askTransmission: Bool = true,
                                     sourceLocation: SourceLocation = #_sourceLocation) throws {
            let rill = try RillBinary.info(torrent)
            let lt = try Libtorrent.info(torrent)
            #expect(rill.info_hash == lt.info_hash, sourceLocation: sourceLocation)
            #expect(rill.piece_count == lt.num_pieces, sourceLocation: sourceLocation)
            #expect(rill.piece_length == lt.piece_length, sourceLocation: sourceLocation)
            #expect(rill.total_size == lt.total_size, sourceLocation: sourceLocation)
            #expect(rill.files?.map(\.path) == lt.files.map(\.path), sourceLocation: sourceLocation)
            #expect(rill.files?.map(\.length) == lt.files.map(\.size), sourceLocation: sourceLocation)
            #expect(rill.files?.map(\.padding) == lt.files.map(\.pad), sourceLocation: sourceLocation)

            guard askTransmission else { return }
            let show = try Transmission.show(torrent)
            #expect(show.infoHash == rill.info_hash, sourceLocation: sourceLocation)
            #expect(show.pieceCount == rill.piece_count, sourceLocation: sourceLocation)
        }

        // MARK: - rill's torrents in other tools

        @Test(.enabled(if: skipUnlessTools, "mktorrent, transmission-cli or python3-libtorrent missing"),
              arguments: ["folder", "single file"])
        func rillTorrentIsAcceptedByLibtorrentAndTransmission(kind: String) throws {
            let dir = try TemporaryDirectory()
            defer { dir.remove() }
            let payload = try Self.makePayload(in: dir)
            let source = kind == "folder" ? payload : payload + "/a.bin"
            let torrent = dir.file("rill.torrent")
            let created = try RillBinary.run(["create", source, "-o", torrent, "--tracker", "http://127.0.0.1:1/announce",
                                              "--tracker", "udp://127.0.0.1:2", "--piece-size", "16384", "--comment", "made by a test"])
            try #require(created.status == 0, "rill create failed: \(created.stderr)")

            let rill = try RillBinary.info(torrent)
            let lt = try Libtorrent.info(torrent)
            #expect(lt.info_hash == rill.info_hash)
            #expect(lt.num_pieces == rill.piece_count)
            #expect(lt.files.map(\.path) == rill.files?.map(\.path))
            #expect(try Transmission.show(torrent).infoHash == rill.info_hash)
            #expect(created.stdout.contains(rill.info_hash), "rill create prints the info-hash")

            // libtorrent, checking the original data against rill's torrent, finds every piece valid.
            let check = try Libtorrent.check(torrent, savePath: URL(fileURLWithPath: source).deletingLastPathComponent().path)
            #expect(check.num_have == lt.num_pieces)
            #expect(check.pieces.count == lt.num_pieces)
        }

        @Test(.enabled(if: skipUnlessTools, "mktorrent, transmission-cli or python3-libtorrent missing"))
        func rillCheckAgreesWithLibtorrentOnCorruptedData() throws {
            let dir = try TemporaryDirectory()
            defer { dir.remove() }
            let payload = try Self.makePayload(in: dir)
            let torrent = dir.file("lt.torrent")
            try Libtorrent.create(payload, output: torrent, v1Only: true)

            let clean = try RillBinary.run(["check", torrent, "--dir", dir.path])
            #expect(clean.status == 0, "complete data exits 0: \(clean.stderr)")

            // Damage three pieces: the start and middle of a.bin, and the 1-byte last file.
            try corrupt(payload + "/a.bin", at: 5)
            try corrupt(payload + "/a.bin", at: 200_000)
            try corrupt(payload + "/z.bin", at: 0)

            let result = try RillBinary.run(["check", torrent, "--dir", dir.path, "--json"])
            #expect(result.status == 2, "incomplete data exits 2")
            let rill = try JSONDecoder().decode(CheckReport.self, from: Data(result.stdout.utf8))
            let lt = try Libtorrent.check(torrent, savePath: dir.path)
            let ltBad = lt.pieces.indices.filter { !lt.pieces[$0] }
            #expect(rill.bad_pieces == ltBad)
            #expect(ltBad.count == 3)
            #expect(rill.valid == lt.num_have)
        }

        private func corrupt(_ path: String, at offset: UInt64) throws {
            let handle = try FileHandle(forUpdating: URL(fileURLWithPath: path))
            defer { try? handle.close() }
            try handle.seek(toOffset: offset)
            let old = try handle.read(upToCount: 1) ?? Data([0])
            try handle.seek(toOffset: offset)
            try handle.write(contentsOf: Data([old[0] ^ 0xFF]))
        }
    }

    struct CheckReport: Decodable {
        let valid: Int
        let total: Int
        let bad_pieces: [Int]
        let from_resume: Bool
        /// Resume data left by a run that did not stop cleanly.
        let recovered: Bool?

        /// The pieces the check found (or trusted) good.
        var good: Set<Int> { Set(0..<total).subtracting(bad_pieces) }
    }

    /// `transmission-show`'s reading of a torrent.
    enum Transmission {
        struct Facts {
            let infoHash: String?
            let pieceCount: Int?
        }

        static func show(_ torrent: String) throws -> Facts {
            let tool = try #require(ExternalTool.find("transmission-show"))
            let output = try ExternalTool.run(tool, [torrent])
            guard output.status == 0 else { throw ToolFailure("transmission-show failed: \(output.stderr)") }
            var hash: String?
            var count: Int?
            for line in output.stdout.split(separator: "\n") {
                let trimmed = line.trimmingCharacters(in: .whitespaces)
                if trimmed.hasPrefix("Hash"), let colon = trimmed.firstIndex(of: ":") {
                    let value = trimmed[trimmed.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                    if value.count == 40 { hash = value.lowercased() }
                } else if trimmed.hasPrefix("Piece Count:") {
                    count = Int(trimmed.dropFirst("Piece Count:".count).trimmingCharacters(in: .whitespaces))
                }
            }
            return Facts(infoHash: hash, pieceCount: count)
        }
    }
}
