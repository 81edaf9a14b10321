import EngineAPI
import Testing
@testable import TerminalUI

@Suite struct WebSeedRowTests {
    static let url = "http://127.0.0.1:8080/pub/linux/releases/40/Everything/x86_64/iso/Fedora-Everything-40.iso"

    @Test func aWebSeedRowShowsItsURLShortenedInTheMiddleAndAWFlag() throws {
        let controller = Fixtures.controller(width: 80, height: 24)
        var snapshot = Fixtures.snapshot(uptime: 301)
        snapshot.detail?.peers.append(PeerSnapshot(
            address: Self.url, client: "web seed", flags: [.webSeed, .seed, .weChoke, .weAreInterested],
            downloadRate: 2_000_000, uploadRate: 0, progress: 1, requestsInFlight: 16, source: "webseed"))
        controller.update(snapshot: snapshot, events: [], clock: "12:00:01")
        var buffer = ScreenBuffer(width: 80, height: 16)
        PeersPane.render(controller.state, into: &buffer, rect: Rect(x: 0, y: 0, width: 80, height: 16),
                         focused: true, tabbed: false)
        let row = try #require(buffer.text.split(separator: "\n").first { $0.contains("webseed") })
        #expect(row.contains("│127.0.0.1"), "the host stays: \(row)")
        #expect(row.contains("…") && row.contains("40.iso"), "the file name stays: \(row)")
        #expect(!row.contains("http://"))
        #expect(row.contains("D..W..F"))
        #expect(row.count == 80, "the row fits the pane")
    }

    @Test func shortURLsAreShownWholeWithoutTheirScheme() {
        #expect(PeersPane.shortened(url: "https://127.0.0.1/ws/", width: 30) == "127.0.0.1/ws/")
        #expect(PeersPane.shortened(url: "http://127.0.0.1/abcdefghij", width: 11) == "127.0…fghij")
        #expect(PeersPane.shortened(url: "http://127.0.0.1/abcdefghij", width: 11).count <= 11)
    }
}
