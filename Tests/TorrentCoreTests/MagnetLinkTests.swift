import Testing
import TorrentCore

@Suite struct MagnetLinkTests {
    let hex = "c9e15763f722f23e98a29decdfae341b98d53056"

    @Test func parsesHexInfoHashNameTrackersPeersWebSeedsAndSelection() throws {
        let link = try MagnetLink(parsing:
            "magnet:?xt=urn:btih:\(hex.uppercased())&dn=Cosmos+Laundromat%20%28HD%29"
            + "&tr=udp%3A%2F%2Ftracker.example%3A1337&tr=http://t2/announce"
            + "&x.pe=127.0.0.2:6881&x.pe=[::1]:51413&ws=http%3A%2F%2Fseed%2F&so=0,2,4-6")
        #expect(link.infoHash.hex == hex)
        #expect(link.displayName == "Cosmos Laundromat (HD)")
        #expect(link.trackers == ["udp://tracker.example:1337", "http://t2/announce"])
        #expect(link.peers == [PeerEndpoint(host: "127.0.0.2", port: 6881), PeerEndpoint(host: "::1", port: 51413)])
        #expect(link.webSeeds == ["http://seed/"])
        #expect(link.selectedFiles == [0, 2, 4, 5, 6])
    }

    @Test func anErrorAboutAHugeValueQuotesOnlyItsStart() throws {
        let hex = String(repeating: "ab", count: 20)
        let huge = String(repeating: "9", count: 120_000)
        do {
            _ = try MagnetLink(parsing: "magnet:?xt=urn:btih:\(hex)&x.pe=127.0.0.1:\(huge)")
            Issue.record("a peer with a 120,000-digit port was accepted")
        } catch {
            #expect(error.description.count < 200, "\(error.description.prefix(300))")
            #expect(error.description.contains("120010 bytes"), "it says how long the value was: \(error.description)")
        }
    }

    @Test func parsesBase32InfoHashes() throws {
        let raw = try #require(Hex.decode(hex))
        let base32 = Base32.encode(raw)
        #expect(base32.count == 32)
        #expect(try MagnetLink(parsing: "magnet:?xt=urn:btih:\(base32)").infoHash.hex == hex)
        #expect(try MagnetLink(parsing: "magnet:?xt=urn:btih:\(base32.lowercased())").infoHash.hex == hex)
    }

    @Test func ignoresUnknownKeysAndKeepsV1HashOfHybridLinks() throws {
        let v2 = String(repeating: "ab", count: 32)
        let link = try MagnetLink(parsing: "magnet:?xt=urn:btmh:1220\(v2)&xt=urn:btih:\(hex)&xl=1000&kt=a+b")
        #expect(link.infoHash.hex == hex)
        #expect(link.infoHashV2?.hex == v2 && !link.isV2Only)
    }

    @Test func roundTripsThroughItsText() throws {
        let link = MagnetLink(infoHash: InfoHash(text: hex)!, displayName: "a b&c=d/é", trackers: ["udp://x:1/announce?a=b"],
                              peers: [PeerEndpoint(host: "::1", port: 9)], webSeeds: ["http://w"], selectedFiles: [1, 3])
        #expect(try MagnetLink(parsing: link.description) == link)
        #expect(link.description.hasPrefix("magnet:?xt=urn:btih:\(hex)&dn=a%20b%26c%3Dd%2F%C3%A9"))
    }

    @Test func givesAClearErrorForEachMalformedLink() {
        let cases: [(String, MagnetLinkError)] = [
            ("http://example.com/x.torrent", .notAMagnetLink),
            ("magnet:?dn=nothing", .missingInfoHash),
            ("magnet:?xt=urn:btih:1234", .badInfoHash("1234")),
            ("magnet:?xt=urn:btih:\(String(repeating: "z", count: 40))", .badInfoHash(String(repeating: "z", count: 40))),
            ("magnet:?xt=urn:btih:\(hex)&xt=urn:btih:\(String(repeating: "0", count: 40))", .conflictingInfoHashes),
            ("magnet:?xt=urn:btih:\(hex)&dn=%zz", .badEncoding("dn")),
            ("magnet:?xt=urn:btih:\(hex)&x.pe=noport", .badPeer("noport")),
            ("magnet:?xt=urn:btih:\(hex)&x.pe=host:99999", .badPeer("host:99999")),
            ("magnet:?xt=urn:btih:\(hex)&x.pe=::1:80", .badPeer("::1:80")),
            ("magnet:?xt=urn:btih:\(hex)&so=3-1", .badSelection("3-1")),
            ("magnet:?xt=urn:btih:\(hex)&so=0-999999999", .badSelection("0-999999999")),
            ("magnet:?xt=urn:btmh:1220abcd", .badInfoHashV2("1220abcd")),
            ("magnet:?xt=urn:btmh:1114\(hex)", .badInfoHashV2("1114\(hex)")),
        ]
        for (text, expected) in cases {
            #expect(throws: expected, "\(text)") { try MagnetLink(parsing: text) }
        }
    }

    @Test func boundsTheFileSelectionOverAllItsSoParameters() throws {
        // Found by the `magnet` fuzz target (Fuzz/Corpus/magnet/finding-repeated-so): a 4 KB link of
        // 370 `so=0-99999` parameters made 37 million indices, tens of seconds and most of a GiB.
        let repeated = "magnet:?xt=urn:btih:\(hex)" + String(repeating: "&so=0-99999", count: 370)
        #expect(throws: MagnetLinkError.badSelection("0-99999")) { try MagnetLink(parsing: repeated) }
        #expect(throws: MagnetLinkError.badSelection("7")) {
            try MagnetLink(parsing: "magnet:?xt=urn:btih:\(hex)&so=0-99999&so=7")
        }
        let split = try MagnetLink(parsing: "magnet:?xt=urn:btih:\(hex)&so=0-49999&so=50000-99999")
        #expect(split.selectedFiles == Array(0..<100_000))
    }

    @Test func aTorrentProducesItsMagnetLink() throws {
        var builder = MetainfoBuilder(name: "file.iso", pieceLength: 16384, files: nil, singleFileLength: 10)
        builder.trackerTiers = [["http://a/announce"], ["udp://b:2"]]
        let meta = try Metainfo(bytes: builder.torrentBytes(pieceHashes: [UInt8](repeating: 7, count: 20)))
        let link = try MagnetLink(parsing: meta.magnetLink.description)
        #expect(link.infoHash == meta.infoHash)
        #expect(link.displayName == "file.iso")
        #expect(link.trackers == ["http://a/announce", "udp://b:2"])
    }
}
