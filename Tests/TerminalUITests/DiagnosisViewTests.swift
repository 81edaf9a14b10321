import EngineAPI
import Testing
@testable import TerminalUI

@Suite struct DiagnosisViewTests {
    static let diagnosis = TorrentDiagnosis(
        cause: "chokedByAll",
        sentence: "All 3 peers with pieces we need choke us: they upload to others, not to us.",
        evidence: ["4 peers connected, download 0 B/s", "3 of 4 peers choke us",
                   "12 of 400 missing pieces: availability 0"])

    static func controller(width: Int, height: Int, diagnosis: TorrentDiagnosis? = diagnosis) -> UIController {
        let controller = Fixtures.controller(width: width, height: height)
        var snapshot = Fixtures.snapshot()
        snapshot.detail?.diagnosis = diagnosis
        controller.update(snapshot: snapshot, events: [], clock: "12:05:01")
        return controller
    }

    @Test func wShowsTheSentenceAndEvidenceAt80x24And160x48() {
        for (width, height) in [(80, 24), (160, 48)] {
            let controller = Self.controller(width: width, height: height)
            #expect(controller.handle(.character("w")).isEmpty, "the view sends no command")
            #expect(controller.state.mode == .diagnosis)
            let buffer = renderScreen(controller)
            let text = buffer.text
            #expect(text.contains("Why is it slow?"))
            #expect(text.contains("ubuntu-24.04-desktop-amd64.iso"))
            #expect(text.contains("choke us"))
            #expect(text.contains("· 3 of 4 peers choke us"))
            assertScreen(buffer, matches: "diagnosis-\(width)x\(height)")
        }
    }

    @Test func anyKeyClosesTheView() {
        let controller = Self.controller(width: 80, height: 24)
        _ = controller.handle(.character("w"))
        let commands = controller.handle(.character("p"))
        #expect(commands.isEmpty, "the closing key does not also pause")
        #expect(controller.state.mode == .normal)
        #expect(!renderScreen(controller).text.contains("Why is it slow?"))
    }

    @Test func withoutDetailsItSaysItIsWaiting() {
        let controller = Self.controller(width: 80, height: 24, diagnosis: nil)
        _ = controller.handle(.character("w"))
        #expect(renderScreen(controller).text.contains("Waiting for details…"))
    }

    @Test func withNoTorrentSelectedItRefuses() {
        let controller = UIController()
        controller.resize(width: 80, height: 24)
        _ = controller.handle(.character("w"))
        #expect(controller.state.mode == .normal)
        #expect(controller.state.message?.text == "No torrent selected")
    }

    @Test func longSentencesWrapAtWordsWithinTheBox() {
        let lines = DiagnosisView.wrap("one two three four five six", width: 9, indent: "  ")
        #expect(lines == ["one two", "  three", "  four", "  five", "  six"])
        #expect(lines.allSatisfy { $0.count <= 9 })
    }
}
