import Bencode
import Testing
import TorrentCore
@testable import WireProtocol

@Suite struct TrackerScrapeTests {
    /// The examples of BEP 48.
    @Test(arguments: [
        ("http://example.com/announce", "http://example.com/scrape"),
        ("http://example.com/x/announce", "http://example.com/x/scrape"),
        ("http://example.com/announce.php", "http://example.com/scrape.php"),
        ("http://example.com/a", nil),
        ("http://example.com/announce?x2%0644", "http://example.com/scrape?x2%0644"),
        ("http://example.com/announce?x=2/4", "http://example.com/scrape?x=2/4"),
        ("http://example.com/x%064announce", nil),
        ("http://announce", nil),
        ("udp://tracker.example:80/announce", "udp://tracker.example:80/scrape"),
    ] as [(String, String?)])
    func derivesScrapeURLs(announce: String, scrape: String?) {
        #expect(ScrapeRequest.scrapeURL(forAnnounce: announce) == scrape)
    }

    @Test func addsOneInfoHashParameterPerTorrent() {
        let first = InfoHash(bytes: Array(repeating: 0xAA, count: 20))!
        let second = InfoHash(bytes: Array(repeating: 0x41, count: 20))!
        let url = ScrapeRequest.url(forAnnounce: "http://t.example/announce?k=1", infoHashes: [first, second])
        #expect(url == "http://t.example/scrape?k=1&info_hash=" + String(repeating: "%AA", count: 20)
            + "&info_hash=" + String(repeating: "A", count: 20))
    }

    @Test func readsCountsPerInfoHash() throws {
        let first = InfoHash(bytes: Array(repeating: 1, count: 20))!
        let second = InfoHash(bytes: Array(repeating: 2, count: 20))!
        let body = BencodeValue.dict(["files": .dictionary([
            first.bytes: .dict(["complete": .integer(3), "downloaded": .integer(10), "incomplete": .integer(4)]),
            second.bytes: .dict(["complete": .integer(-1)]),
            Array("short".utf8): .dict(["complete": .integer(1)]),
        ])]).encoded()
        let response = try ScrapeResponse.parse(body)
        #expect(response.files[first] == ScrapeStats(seeders: 3, completed: 10, leechers: 4))
        #expect(response.files[second] == ScrapeStats(seeders: 0, completed: 0, leechers: 0))
        #expect(response.files.count == 2)
        #expect(response.notes == ["files: skipped 1 entries that are not a 20-byte hash and a dictionary"])
    }

    @Test func capsTheNumberOfFiles() throws {
        var files: [[UInt8]: BencodeValue] = [:]
        for index in 0..<50 { files[Array(repeating: UInt8(index), count: 20)] = .dict(["complete": .integer(1)]) }
        let response = try ScrapeResponse.parse(BencodeValue.dict(["files": .dictionary(files)]).encoded(), fileLimit: 10)
        #expect(response.files.count == 10)
        #expect(response.files[InfoHash(bytes: Array(repeating: 0, count: 20))!] != nil)
        #expect(response.notes == ["files: ignored 40 past the limit of 10"])
    }

    @Test func reportsScrapeFailures() {
        #expect(throws: TrackerReplyError.failure(reason: "no scrape here")) {
            try ScrapeResponse.parse(BencodeValue.dict(["failure reason": .string("no scrape here")]).encoded())
        }
        #expect(throws: TrackerReplyError.wrongFieldType(field: "files", expected: "a dictionary")) {
            try ScrapeResponse.parse(BencodeValue.dict(["files": .list([])]).encoded())
        }
    }
}
