import EngineAPI
import Testing
@testable import TerminalUI

/// Keys for the selected torrent's own settings: streaming order, limits, ratio goal, folder, labels.
@Suite struct TorrentSettingsTests {
    /// The fixture library with the first torrent streaming and labelled, the third moving.
    static func controller(width: Int = 120, height: Int = 40) -> UIController {
        let controller = Fixtures.controller(width: width, height: height)
        var snapshot = Fixtures.snapshot()
        snapshot.torrents[0].sequential = true
        snapshot.torrents[0].labels = ["linux", "iso"]
        snapshot.torrents[0].downloadLimit = 2 << 20
        snapshot.torrents[0].ratioGoal = 1.5
        snapshot.torrents[0].downloadDirectory = "/srv/torrents"
        snapshot.torrents[1].labels = ["linux"]
        snapshot.torrents[2].moveProgress = 0.42
        controller.update(snapshot: snapshot, events: [], clock: "12:00:00")
        return controller
    }

    /// Clears the prompt's text and types `text`.
    func type(_ text: String, into c: UIController) {
        for _ in 0..<40 { _ = c.handle(.backspace) }
        for character in text { _ = c.handle(.character(character)) }
    }

    func promptText(_ c: UIController) -> String? {
        guard case .prompt(let prompt) = c.state.mode else { return nil }
        return prompt.editor.text
    }

    @Test func shiftSTogglesSequentialOrderOfTheSelectedTorrent() {
        let c = Self.controller()
        #expect(c.handle(.character("S")) == [.setSequential(Fixtures.downloading, false)], "it streams already")
        _ = c.handle(.down)
        #expect(c.handle(.character("S")) == [.setSequential(Fixtures.seeding, true)])
        #expect(c.state.message?.text.contains("Sequential") == true)
    }

    @Test func shiftLSetsTheTorrentsOwnLimitsStartingFromTheCurrentOnes() {
        let c = Self.controller()
        _ = c.handle(.character("L"))
        #expect(promptText(c) == "2M 0")
        type("300k 50k", into: c)
        #expect(c.handle(.enter) == [.setTorrentRateLimits(Fixtures.downloading, download: 307_200, upload: 51_200)])
        _ = c.handle(.character("L"))
        type("0", into: c)
        #expect(c.handle(.enter) == [.setTorrentRateLimits(Fixtures.downloading, download: nil, upload: nil)])
        _ = c.handle(.character("L"))
        type("lots", into: c)
        #expect(c.handle(.enter) == [])
        #expect(c.state.message?.severity == .error)
    }

    @Test func shiftRSetsOrClearsTheRatioGoal() {
        let c = Self.controller()
        _ = c.handle(.character("R"))
        #expect(promptText(c) == "1.50")
        type("2", into: c)
        #expect(c.handle(.enter) == [.setRatioGoal(Fixtures.downloading, 2)])
        _ = c.handle(.character("R"))
        type("none", into: c)
        #expect(c.handle(.enter) == [.setRatioGoal(Fixtures.downloading, nil)])
        _ = c.handle(.character("R"))
        type("-3", into: c)
        #expect(c.handle(.enter) == [])
        #expect(c.state.message?.severity == .error)
    }

    @Test func mMovesTheDataToTheTypedFolder() {
        let c = Self.controller()
        _ = c.handle(.character("m"))
        #expect(promptText(c) == "/srv/torrents", "starts from the current folder")
        type("/mnt/big/films", into: c)
        #expect(c.handle(.enter) == [.setLocation(Fixtures.downloading, directory: "/mnt/big/films", moveData: true)])
        _ = c.handle(.character("m"))
        type("", into: c)
        #expect(c.handle(.enter) == [])
        #expect(c.state.message?.severity == .error)
    }

    @Test func mRefusesWhileATorrentIsStillMoving() {
        let c = Self.controller()
        for _ in 0..<2 { _ = c.handle(.down) }
        #expect(c.state.selectedTorrent == Fixtures.paused)
        #expect(c.handle(.character("m")) == [])
        #expect(c.state.mode == .normal)
        #expect(c.state.message?.text.contains("already moving") == true)
    }

    @Test func hashSetsLabelsFromACommaSeparatedList() {
        let c = Self.controller()
        _ = c.handle(.character("#"))
        #expect(promptText(c) == "linux, iso")
        type("films,  4k ,, ", into: c)
        #expect(c.handle(.enter) == [.setLabels(Fixtures.downloading, ["films", "4k"])])
        _ = c.handle(.character("#"))
        type("", into: c)
        #expect(c.handle(.enter) == [.setLabels(Fixtures.downloading, [])])
    }

    @Test func filterByLabelKeepsOnlyTorrentsWithThatLabel() {
        let c = Self.controller()
        func names() -> [String] { c.state.torrentOrder.map { c.state.snapshot.torrents[$0].name } }
        _ = c.handle(.character("/"))
        for character in "label:LINUX" { _ = c.handle(.character(character)) }
        #expect(names() == ["ubuntu-24.04-desktop-amd64.iso", "debian-12.5.0-amd64-netinst.iso"])
        for character in " ubuntu" { _ = c.handle(.character(character)) }
        #expect(names() == ["ubuntu-24.04-desktop-amd64.iso"], "label and name words combine")
        _ = c.handle(.escape)
        _ = c.handle(.character("/"))
        for character in "label:lin" { _ = c.handle(.character(character)) }
        #expect(names().isEmpty, "a label matches whole, not as a prefix")
    }

    @Test func everyTorrentKeyNeedsASelection() {
        let c = UIController()
        c.resize(width: 80, height: 24)
        for key in "SLRm#" {
            #expect(c.handle(.character(key)) == [])
            #expect(c.state.mode == .normal)
            #expect(c.state.message?.text == "No torrent selected")
        }
    }

    @Test func listShowsStreamingMarkLabelsAndMoveProgress() {
        for (width, height) in [(80, 24), (160, 48)] {
            let buffer = renderScreen(Self.controller(width: width, height: height))
            let text = buffer.text
            #expect(text.contains("» ubuntu"), "sequential mark at \(width)x\(height)")
            #expect(text.contains("moving 42%"), "move progress at \(width)x\(height)")
            if width == 160 { #expect(text.contains("#linux #iso")) }
            assertScreen(buffer, matches: "torrent-settings-\(width)x\(height)")
        }
    }

    @Test func movePromptAndHelpRenderAt80x24() {
        let c = Self.controller(width: 80, height: 24)
        _ = c.handle(.character("m"))
        let prompt = renderScreen(c)
        #expect(prompt.text.contains("Move data to folder: /srv/torrents"))
        assertScreen(prompt, matches: "prompt-move-80x24")
        _ = c.handle(.escape)
        _ = c.handle(.character("?"))
        let help = renderScreen(c).text
        for words in ["Sequential (streaming) order", "This torrent's limits", "ratio goal", "Move its data",
                      "Labels", "label:NAME", "» sequential"] {
            #expect(help.contains(words), "help lacks \(words)")
        }
    }
}
