import EngineAPI
import Testing
@testable import TerminalUI

@Suite struct ScreenSnapshotTests {
    @Test func fullScreenAt80x24() {
        assertScreen(renderScreen(Fixtures.controller(width: 80, height: 24)), matches: "screen-80x24")
    }

    @Test func fullScreenAt160x48ShowsEveryPane() {
        let buffer = renderScreen(Fixtures.controller(width: 160, height: 48))
        for title in ["Torrents", "Peers", "Pieces", "Speed", "Files", "Log"] {
            #expect(buffer.text.contains(title), "missing pane \(title)")
        }
        assertScreen(buffer, matches: "screen-160x48")
    }

    @Test func defaultViewAt120x40ShowsListPeersPiecesGraphAndBars() {
        let buffer = renderScreen(Fixtures.controller(width: 120, height: 40))
        let text = buffer.text
        for title in ["Torrents", "Peers", "Pieces", "Speed", "port 6881", "?Help"] {
            #expect(text.contains(title), "missing \(title)")
        }
        #expect(text.unicodeScalars.contains { $0.value > 0x2800 && $0.value <= 0x28FF }, "no braille graph")
        #expect(text.contains("ubuntu-24.04-desktop-amd64.iso"))
        #expect(text.contains("127.0.0.3:6881"))
        assertScreen(buffer, matches: "screen-120x40")
    }

    @Test func attachedToTransmissionUnknownFieldsShowAsUnknownNotZero() {
        let controller = Fixtures.controller(width: 120, height: 40)
        var snapshot = Fixtures.snapshot()
        snapshot.isAttached = true
        snapshot.engineDescription = "transmission 3.00 @ seedbox:9091"
        snapshot.dht = nil
        var detail = Fixtures.detail()
        detail.pieces.availability = []
        for index in detail.peers.indices { detail.peers[index].requestsInFlight = nil }
        snapshot.detail = detail
        controller.update(snapshot: snapshot, events: [], clock: "12:05:01")
        let text = renderScreen(controller).text
        #expect(text.contains("transmission 3.00 @ seedbox:9091  ↓"), "the status bar names the server")
        #expect(text.contains("avail ?"), "availability is unknown, not zero")
        #expect(!text.contains("avail min 0"))
        let peerRows = text.split(separator: "\n").filter { $0.contains("127.0.0.3:6881") }
        #expect(peerRows.contains { $0.contains(" ? ") }, "request counts are unknown: \(peerRows)")
        #expect(!text.contains("DHT"), "no DHT figure when the server gives none")
    }

    @Test func smallTerminalDegradesToListAndStatus() {
        let buffer = renderScreen(Fixtures.controller(width: 50, height: 12))
        #expect(buffer.text.contains("Torrents"))
        #expect(!buffer.text.contains("Peers"))
        assertScreen(buffer, matches: "screen-50x12")
    }

    @Test func tinyTerminalSaysItIsTooSmall() {
        let buffer = renderScreen(Fixtures.controller(width: 19, height: 4))
        #expect(buffer.text.contains("too small"))
        assertScreen(buffer, matches: "screen-19x4")
    }

    @Test func everyPaneRendersItsSnapshot() {
        let controller = Fixtures.controller(width: 100, height: 16)
        let state = controller.state
        let rect = Rect(x: 0, y: 0, width: 100, height: 16)
        let panes: [(String, (inout ScreenBuffer) -> Void)] = [
            ("pane-torrents", { TorrentListPane.render(state, into: &$0, rect: rect, focused: true) }),
            ("pane-peers", { PeersPane.render(state, into: &$0, rect: rect, focused: true, tabbed: false) }),
            ("pane-files", { FilesPane.render(state, into: &$0, rect: rect, focused: true, tabbed: false) }),
            ("pane-trackers", { TrackersPane.render(state, into: &$0, rect: rect, focused: true, tabbed: false) }),
            ("pane-log", { LogPane.render(state, into: &$0, rect: rect, focused: true, tabbed: false) }),
            ("pane-pieces", { PiecesPane.render(state, into: &$0, rect: rect, focused: false) }),
            ("pane-speed", { SpeedGraphPane.render(state, into: &$0, rect: rect, focused: false) }),
        ]
        for (name, draw) in panes {
            var buffer = ScreenBuffer(width: 100, height: 16)
            draw(&buffer)
            assertScreen(buffer, matches: name)
        }
    }

    @Test func peersOverUTPShowAFlagAndACountInTheStatusBar() {
        var state = Fixtures.controller(width: 120, height: 40).state
        state.snapshot.utpConnections = 5
        var buffer = ScreenBuffer(width: 120, height: 1)
        StatusBar.render(state, into: &buffer, rect: Rect(x: 0, y: 0, width: 120, height: 1))
        #expect(buffer.text.contains("conns 17 (5 uTP)"))
        state.snapshot.utpConnections = 0
        var tcpOnly = ScreenBuffer(width: 120, height: 1)
        StatusBar.render(state, into: &tcpOnly, rect: Rect(x: 0, y: 0, width: 120, height: 1))
        #expect(!tcpOnly.text.contains("uTP"))
        #expect(PeerFlags([.incoming, .utp]).compact == "...I...P")
        #expect(PeerFlags([.encrypted]).compact == ".....E..")
    }

    @Test func helpOverlayListsEveryBinding() {
        for (width, height) in [(160, 48), (80, 24)] {
            let controller = Fixtures.controller(width: width, height: height)
            _ = controller.handle(.character("?"))
            let text = renderScreen(controller).text
            for binding in controller.keyMap.bindings {
                #expect(text.contains(binding.keyLabel), "help at \(width)x\(height) lacks \(binding.keyLabel)")
            }
            #expect(text.contains("Peer flags"))
            if width == 80 { assertScreen(renderScreen(controller), matches: "help-80x24") }
        }
    }

    @Test func removeDialogAndLimitPromptRender() {
        let controller = Fixtures.controller(width: 80, height: 24)
        _ = controller.handle(.character("d"))
        assertScreen(renderScreen(controller), matches: "dialog-remove-80x24")
        _ = controller.handle(.escape)
        _ = controller.handle(.character("l"))
        for _ in 0..<10 { _ = controller.handle(.backspace) }
        for character in "500k 1M" { _ = controller.handle(.character(character)) }
        let text = renderScreen(controller).text
        #expect(text.contains("500k 1M"))
        #expect(text.contains("↓ 500K/s ↑ 1.0M/s"))
    }

    @Test func resizingThroughManySizesNeverBreaks() {
        let controller = Fixtures.controller(width: 80, height: 24)
        for width in stride(from: 1, through: 220, by: 7) {
            for height in stride(from: 1, through: 70, by: 5) {
                controller.resize(width: width, height: height)
                let buffer = renderScreen(controller)
                #expect(buffer.width == width && buffer.height == height)
            }
        }
    }

    @Test func absurdEngineValuesRenderWithoutCrashing() {
        let controller = UIController()
        controller.resize(width: 120, height: 40)
        var snapshot = Fixtures.snapshot(uptime: .infinity)
        snapshot.downloadRate = .nan
        snapshot.uploadRate = .infinity
        snapshot.torrents[0].downloadRate = -5
        snapshot.torrents[0].uploadRate = 1e300
        snapshot.torrents[0].progress = .nan
        snapshot.torrents[0].eta = -.infinity
        snapshot.torrents[1].uploaded = Int.max
        snapshot.torrents[1].totalSize = Int.max
        snapshot.detail?.pieces = PieceMap(states: [9, 1, 2], availability: [])
        snapshot.detail?.peers[0].progress = .infinity
        for uptime in [0.0, 1e300, 5, .nan, 6] {
            snapshot.uptime = uptime
            controller.update(snapshot: snapshot, events: [.dropped(count: Int.max)], clock: "00:00:00")
            _ = controller.handle(.character("o"))
            let text = renderScreen(controller).text
            #expect(text.contains("Torrents"))
        }
    }

    @Test func wideCharactersTakeTwoColumns() {
        var buffer = ScreenBuffer(width: 10, height: 1)
        let used = buffer.write("日本ab", x: 0, y: 0, limit: 10, role: .text)
        #expect(used == 6)
        #expect(buffer.line(0) == "日本ab")
        let truncated = buffer.write("日本語テキスト", x: 0, y: 0, limit: 5, role: .text)
        #expect(truncated == 5)
        #expect(buffer.line(0).hasPrefix("日本…"))
    }
}
