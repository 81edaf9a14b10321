import Foundation
import EngineAPI
import Testing
@testable import TerminalUI

@Suite struct ControllerTests {
    func controller() -> UIController { Fixtures.controller(width: 120, height: 40) }

    func select(_ id: TorrentID, in controller: UIController) {
        for _ in 0..<10 where controller.state.selectedTorrent != id { _ = controller.handle(.down) }
    }

    @Test func pOnDownloadingPausesAndOnPausedResumes() {
        let c = controller()
        #expect(c.state.selectedTorrent == Fixtures.downloading)
        #expect(c.handle(.character("p")) == [.pause(Fixtures.downloading)])
        select(Fixtures.paused, in: c)
        #expect(c.handle(.character("p")) == [.resume(Fixtures.paused)])
    }

    @Test func plusAndMinusMoveInQueueInTheTorrentList() {
        let c = controller()
        #expect(c.handle(.character("+")) == [.moveInQueue(Fixtures.downloading, .up)])
        #expect(c.handle(.character("-")) == [.moveInQueue(Fixtures.downloading, .down)])
    }

    @Test func plusAndMinusChangeFilePriorityInTheFilesPane() {
        let c = controller()
        _ = c.handle(.character("2"))
        #expect(c.state.focus == .files)
        #expect(c.handle(.character("+")) == [.setFilePriority(Fixtures.downloading, file: 0, .high)])
        _ = c.handle(.down)
        // grub.cfg is already high: no higher priority exists.
        #expect(c.handle(.character("+")) == [])
        #expect(c.handle(.character("-")) == [.setFilePriority(Fixtures.downloading, file: 1, .normal)])
        _ = c.handle(.down)
        _ = c.handle(.down)
        #expect(c.handle(.character("-")) == [])
        #expect(c.handle(.character("+")) == [.setFilePriority(Fixtures.downloading, file: 3, .low)])
    }

    @Test func removeDialogConfirmsKeepingOrDeletingData() {
        let c = controller()
        #expect(c.handle(.character("d")) == [])
        #expect(c.state.mode == .remove(RemoveDialog(id: Fixtures.downloading, name: "ubuntu-24.04-desktop-amd64.iso",
                                                      deleteData: false)))
        #expect(c.handle(.enter) == [.remove(Fixtures.downloading, deleteData: false)])
        #expect(c.state.mode == .normal)

        _ = c.handle(.character("d"))
        _ = c.handle(.right)
        #expect(c.handle(.enter) == [.remove(Fixtures.downloading, deleteData: true)])

        _ = c.handle(.character("d"))
        #expect(c.handle(.character("D")) == [.remove(Fixtures.downloading, deleteData: true)])

        _ = c.handle(.character("d"))
        #expect(c.handle(.escape) == [])
        #expect(c.state.mode == .normal)
    }

    @Test func addPromptSendsMagnetOrExpandedPath() {
        let c = controller()
        _ = c.handle(.character("a"))
        for character in "magnet:?xt=urn:btih:abc" { _ = c.handle(.character(character)) }
        #expect(c.handle(.enter) == [.add(.magnet("magnet:?xt=urn:btih:abc"), options: AddOptions(pauseForFileChoice: true))])

        _ = c.handle(.character("a"))
        for character in "~/x.torrenX" { _ = c.handle(.character(character)) }
        _ = c.handle(.backspace)
        _ = c.handle(.character("t"))
        _ = c.handle(.left)
        _ = c.handle(.left)
        _ = c.handle(.character("_"))
        let home = ProcessInfo.processInfo.environment["HOME"] ?? ""
        #expect(c.handle(.enter) == [.add(.torrentFile(path: home + "/x.torre_nt"), directory: nil)])

        _ = c.handle(.character("a"))
        _ = c.handle(.character("x"))
        #expect(c.handle(.escape) == [])
        #expect(c.state.mode == .normal)
    }

    @Test func limitsPromptParsesRates() {
        let c = controller()
        _ = c.handle(.character("l"))
        guard case .prompt(let prompt) = c.state.mode else {
            Issue.record("no prompt")
            return
        }
        #expect(prompt.editor.text == "4M 0")
        for _ in 0..<10 { _ = c.handle(.backspace) }
        for character in "500k 1M" { _ = c.handle(.character(character)) }
        #expect(c.handle(.enter) == [.setRateLimits(download: 512_000, upload: 1_048_576)])
        #expect(c.state.message?.text == "Limits: ↓ 500K/s ↑ 1.0M/s")

        _ = c.handle(.character("l"))
        for _ in 0..<10 { _ = c.handle(.backspace) }
        for character in "0 -" { _ = c.handle(.character(character)) }
        #expect(c.handle(.enter) == [.setRateLimits(download: nil, upload: nil)])

        _ = c.handle(.character("l"))
        for _ in 0..<10 { _ = c.handle(.backspace) }
        for character in "fast" { _ = c.handle(.character(character)) }
        #expect(c.handle(.enter) == [])
        #expect(c.state.message?.severity == .error)
    }

    @Test func rateLimitParserReadsUnitsAndRejectsGarbage() throws {
        #expect(try RateLimitParser.parse("2m") == (2_097_152, 2_097_152))
        #expect(try RateLimitParser.parse("1.5k unlimited") == (1536, nil))
        #expect(try RateLimitParser.parse("100KiB/s 0") == (102_400, nil))
        #expect(throws: RateLimitParser.ParseError.notARate("1x")) { try RateLimitParser.parse("1x") }
        #expect(throws: RateLimitParser.ParseError.tooManyValues(3)) { try RateLimitParser.parse("1 2 3") }
        #expect(throws: RateLimitParser.ParseError.empty) { try RateLimitParser.parse("  ") }
    }

    @Test func sTogglesSeedingOnlyForFinishedTorrents() {
        let c = controller()
        #expect(c.handle(.character("s")) == [])
        #expect(c.state.message?.severity == .warning)
        select(Fixtures.seeding, in: c)
        #expect(c.handle(.character("s")) == [.setSeeding(Fixtures.seeding, false)])
    }

    @Test func rRechecksTheSelectedTorrent() {
        let c = controller()
        #expect(c.handle(.character("r")) == [.recheck(Fixtures.downloading)])
    }

    @Test func quitAsksWhileTransferringAndNotOtherwise() {
        let c = controller()
        _ = c.handle(.character("q"))
        #expect(c.state.mode == .confirmQuit)
        #expect(!c.state.quitRequested)
        _ = c.handle(.character("n"))
        #expect(c.state.mode == .normal)
        _ = c.handle(.character("q"))
        _ = c.handle(.character("y"))
        #expect(c.state.quitRequested)

        let idle = UIController()
        var snapshot = Fixtures.snapshot()
        snapshot.torrents = snapshot.torrents.filter { $0.phase != .downloading && $0.phase != .fetchingMetadata }
        idle.update(snapshot: snapshot, events: [], clock: "00:00:00")
        _ = idle.handle(.character("q"))
        #expect(idle.state.quitRequested)
    }

    @Test func quitDetachesAtOnceWhenAttachedToADaemon() {
        let c = UIController()
        var snapshot = Fixtures.snapshot()
        snapshot.isAttached = true
        snapshot.engineDescription = "daemon 127.0.0.1:9091"
        c.update(snapshot: snapshot, events: [], clock: "00:00:00")
        #expect(c.isTransferring, "the fixture has a torrent downloading")
        _ = c.handle(.character("q"))
        #expect(c.state.quitRequested, "the daemon keeps transferring, so there is nothing to ask")
    }

    @Test func filterNarrowsTheListLiveAndEscapeClears() {
        let c = controller()
        _ = c.handle(.character("/"))
        for character in "ISO" { _ = c.handle(.character(character)) }
        #expect(c.state.torrentOrder.count == 3)
        for _ in 0..<3 { _ = c.handle(.backspace) }
        for character in "12.5" { _ = c.handle(.character(character)) }
        #expect(c.state.torrentOrder.map { c.state.snapshot.torrents[$0].name } == ["debian-12.5.0-amd64-netinst.iso"])
        #expect(c.state.selectedTorrent == Fixtures.seeding)
        _ = c.handle(.enter)
        #expect(c.state.mode == .normal)
        #expect(c.state.torrentOrder.count == 1)
        _ = c.handle(.character("/"))
        _ = c.handle(.escape)
        #expect(c.state.torrentOrder.count == 7)
    }

    @Test func sortCyclesColumnsAndReverses() {
        let c = controller()
        func names() -> [String] { c.state.torrentOrder.map { c.state.snapshot.torrents[$0].name } }
        #expect(c.state.sortColumn == .queue)
        _ = c.handle(.character("o"))
        #expect(c.state.sortColumn == .name)
        #expect(names().first == "archlinux-2024.06.01-x86_64.iso")
        _ = c.handle(.character("O"))
        #expect(names().first == "ubuntu-24.04-desktop-amd64.iso")
        _ = c.handle(.character("O"))
        _ = c.handle(.character("o"))
        #expect(c.state.sortColumn == .size)
        #expect(names().first == "ubuntu-24.04-desktop-amd64.iso")
        #expect(names().last == "magnet:?xt=urn:btih:5555")
    }

    @Test func tabCyclesPanesAndNumbersPickTabs() {
        let c = controller()
        var seen: [PaneID] = []
        for _ in 0..<5 {
            _ = c.handle(.tab)
            seen.append(c.state.focus)
        }
        #expect(seen == [.peers, .files, .trackers, .log, .torrents])
        _ = c.handle(.backTab)
        #expect(c.state.focus == .log)
        _ = c.handle(.character("3"))
        #expect(c.state.focus == .trackers && c.state.detailTab == .trackers)
    }

    @Test func movementKeysWalkTheList() {
        let c = controller()
        _ = c.handle(.character("j"))
        #expect(c.state.selectedTorrent == Fixtures.seeding)
        _ = c.handle(.character("k"))
        #expect(c.state.selectedTorrent == Fixtures.downloading)
        _ = c.handle(.end)
        #expect(c.state.selectedTorrent == Fixtures.id(7))
        _ = c.handle(.home)
        #expect(c.state.selectedTorrent == Fixtures.downloading)
        _ = c.handle(.pageDown)
        #expect(c.state.selectedIndex == 6)
        _ = c.handle(.pageUp)
        #expect(c.state.selectedIndex == 0)
    }

    @Test func themeAndZoomKeysCycle() {
        let c = controller()
        _ = c.handle(.character("t"))
        #expect(c.state.themeName == "light")
        _ = c.handle(.character("t"))
        _ = c.handle(.character("t"))
        #expect(c.state.themeName == "dark")
        _ = c.handle(.character("z"))
        #expect(c.state.zoom == .thirtyMinutes)
        _ = c.handle(.character("z"))
        _ = c.handle(.character("z"))
        #expect(c.state.zoom == .fiveMinutes)
    }

    @Test func helpOpensAndAnyKeyClosesWithoutActing() {
        let c = controller()
        _ = c.handle(.character("?"))
        #expect(c.state.mode == .help)
        #expect(c.handle(.character("p")) == [])
        #expect(c.state.mode == .normal)
    }

    @Test func clickSelectsRowsAndPanes() {
        let c = controller()
        let layout = c.layout
        let torrents = try! #require(layout.torrents)
        // Header is the first inner row; the third torrent is two rows below the first.
        _ = c.handle(.mouse(x: torrents.x + 5, y: torrents.y + 4))
        #expect(c.state.selectedTorrent == Fixtures.paused)
        let tab = try! #require(layout.tab)
        _ = c.handle(.mouse(x: tab.x + 5, y: tab.y + 3))
        #expect(c.state.focus == .peers)
        #expect(c.state.selectedPeer == 1)
        // The tab strip in the border: "1 Peers │ 2 Files │ 3 Trackers │ 4 Log" starting two cells in.
        _ = c.handle(.mouse(x: tab.x + 2 + "1 Peers │ 2 Files │ ".count, y: tab.y))
        #expect(c.state.focus == .trackers && c.state.detailTab == .trackers)
        _ = c.handle(.wheel(x: torrents.x + 5, y: torrents.y + 3, up: false))
        #expect(c.state.focus == .torrents)
        #expect(c.state.selectedIndex == 5)
        _ = c.handle(.wheel(x: torrents.x + 5, y: torrents.y + 3, up: true))
        #expect(c.state.selectedIndex == 2)
    }

    @Test func eventsGoToTheLogAndWarningsToTheStatusBar() {
        let c = controller()
        let texts = c.state.log.entries.map(\.text)
        #expect(texts.contains("Added ubuntu-24.04-desktop-amd64.iso"))
        #expect(texts.contains("Completed debian-12.5.0-amd64-netinst.iso"))
        #expect(texts.last == "Completed debian-12.5.0-amd64-netinst.iso")
        #expect(c.state.message?.text == "ubuntu-24.04-desktop-amd64.iso: piece 211 failed the hash check")
        var log = LogRing(capacity: 3)
        for n in 0..<10 { log.append(time: "t", text: "\(n)", severity: .info) }
        #expect(log.entries.map(\.text) == ["7", "8", "9"])

        // A torrent waiting for the user (a magnet's files are known) is news for the status bar.
        let id = c.state.snapshot.torrents[0].id
        c.update(snapshot: c.state.snapshot, events: [.notice(id, "2 files known: choose, then resume")], clock: "t")
        #expect(c.state.message?.text.hasSuffix("2 files known: choose, then resume") == true)
        c.note("config.toml:3: unknown key 'colour'", clock: "t")
        #expect(c.state.message?.text == "config.toml:3: unknown key 'colour'")
        #expect(c.state.log.entries.last?.severity == .warning)
    }

    @Test func historyKeepsOneSamplePerSecondWithinBounds() {
        var history = SpeedHistory()
        for second in 0..<1000 {
            history.sample(uptime: Double(second) + 0.25, session: Double(second), 1, torrents: [("a", 5, 6)])
            // Several snapshots within one second record nothing more.
            history.sample(uptime: Double(second) + 0.75, session: 99_999, 1, torrents: [("a", 5, 6)])
        }
        let ring = history.session.ring(.fiveMinutes, upload: false)
        #expect(ring.count == 300)
        #expect(ring.value(age: 0) == 999)
        #expect(ring.value(age: 299) == 700)
        let coarse = history.session.ring(.thirtyMinutes, upload: false)
        #expect(coarse.count == 166)
        #expect(coarse.value(age: 0) == Float(990 + 995) / 2)
        history.sample(uptime: 1001, session: 0, 0, torrents: [])
        #expect(history.torrents.isEmpty)
    }
}
