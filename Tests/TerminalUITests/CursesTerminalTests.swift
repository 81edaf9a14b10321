import EngineAPI
import Foundation
import Testing
@testable import TerminalUI

/// Tests that open real curses screens. Curses is process-global, so they run one at a time.
@Suite(.serialized) struct CursesTerminalTests {
    /// Runs the app loop on a curses screen writing to a temp file and returns the bytes written.
    func renderThroughCurses(term: String, theme: String, iterations: Int, live: Bool = false) throws -> (Data, Int) {
        TerminalCheck.prepareLocale()
        let path = FileManager.default.temporaryDirectory
            .appendingPathComponent("rill-ui-\(UUID().uuidString).out").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let output = try #require(fopen(path, "w"))
        let input = try #require(fopen("/dev/null", "r"))
        defer { fclose(input) }
        let engine = ScriptedEngine(snapshot: Fixtures.snapshot(withDetail: false), details: [Fixtures.detail()])
        engine.advancesUptime = live
        let app = TerminalApp(engine: engine, options: TerminalUIOptions(themeName: theme,
                                                                         themeSearchPaths: [themesFolder]))
        #expect(app.themeDiagnostics.isEmpty)
        let terminal = try Terminal(term: term, output: output, input: input, mouse: false)
        try app.loop(terminal, shouldStop: { false }, maxIterations: iterations)
        terminal.close()
        fclose(output)
        return (try Data(contentsOf: URL(fileURLWithPath: path)), app.framesRendered)
    }

    @Test func framesReachTheTerminalWithBoxAndBrailleCharacters() throws {
        // Feed a few seconds of history so the graph has dots.
        let (bytes, frames) = try renderThroughCurses(term: "xterm-256color", theme: "dark", iterations: 6, live: true)
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(frames >= 1)
        #expect(text.contains("┌"))
        #expect(text.contains("Torrents"))
        #expect(text.contains("ubuntu-24.04"))
        #expect(text.contains("█"))
        #expect(text.unicodeScalars.contains { $0.value > 0x2800 && $0.value <= 0x28FF }, "no braille graph")
        // 256-colour escape sequences are in use.
        #expect(text.contains("\u{1B}[38;5;"))
    }

    @Test func unchangedSnapshotsAreNotRedrawn() throws {
        let (_, frames) = try renderThroughCurses(term: "xterm-256color", theme: "dark", iterations: 20)
        // The scripted engine publishes nothing new: the first frame plus the one with the
        // selected torrent's detail, nothing more.
        #expect(frames <= 2)
    }

    @Test func eightColourAndColourlessTerminalsRender() throws {
        for (term, theme) in [("xterm", "dark"), ("vt100", "monochrome"), ("vt100", "dark")] {
            let (bytes, frames) = try renderThroughCurses(term: term, theme: theme, iterations: 2)
            #expect(frames >= 1)
            #expect(String(decoding: bytes, as: UTF8.self).contains("Torrents"), "\(term) \(theme)")
        }
    }

    @Test func flushWritesOnlyChangedCells() throws {
        TerminalCheck.prepareLocale()
        let output = try #require(fopen("/dev/null", "w"))
        let input = try #require(fopen("/dev/null", "r"))
        defer {
            fclose(output)
            fclose(input)
        }
        let terminal = try Terminal(term: "xterm-256color", output: output, input: input, mouse: false)
        defer { terminal.close() }
        terminal.apply(Theme.dark)
        var buffer = ScreenBuffer(width: 80, height: 24)
        buffer.write("Torrents ┌─┐ ⣿⣀", x: 0, y: 0, limit: 80, role: .text)
        terminal.flush(buffer)
        #expect(terminal.lastFlushCellCount == 80 * 24)
        terminal.flush(buffer)
        #expect(terminal.lastFlushCellCount == 0)
        buffer.put(0x2588, x: 5, y: 5, role: .piece_have)
        buffer.paint(x: 0, y: 0, role: .selected_fg)
        terminal.flush(buffer)
        #expect(terminal.lastFlushCellCount == 2)
        terminal.apply(Theme.dark)
        terminal.flush(buffer)
        #expect(terminal.lastFlushCellCount == 80 * 24)
    }

    @Test func unknownTerminalTypeIsASentenceNotACrash() {
        let problem = TerminalCheck.problem(term: "dumb-unknown-rill", stdinIsTerminal: true, stdoutIsTerminal: true)
        #expect(problem == "The terminal type \"dumb-unknown-rill\" has no terminfo entry on this system.")
        #expect(TerminalCheck.problem(term: "xterm", stdinIsTerminal: false, stdoutIsTerminal: true)?
            .hasPrefix("Standard input is not a terminal") == true)
        #expect(TerminalCheck.problem(term: "xterm", stdinIsTerminal: true, stdoutIsTerminal: false)?
            .hasPrefix("Standard output is not a terminal") == true)
        #expect(TerminalCheck.problem(term: "dumb", stdinIsTerminal: true, stdoutIsTerminal: true) != nil)
        #expect(TerminalCheck.problem(term: nil, stdinIsTerminal: true, stdoutIsTerminal: true) != nil)
        #expect(TerminalCheck.problem(term: "xterm-256color", stdinIsTerminal: true, stdoutIsTerminal: true) == nil)
        #expect(throws: TerminalError.self) {
            _ = try Terminal(term: "dumb-unknown-rill", output: fopen("/dev/null", "w")!,
                             input: fopen("/dev/null", "r")!, mouse: false)
        }
    }

    @Test func runWithoutATerminalThrowsTheReason() throws {
        guard isatty(0) == 0 || isatty(1) == 0 else { return }
        let app = TerminalApp(engine: ScriptedEngine(snapshot: Fixtures.snapshot()), options: TerminalUIOptions())
        #expect(throws: TerminalError.self) { try app.run() }
    }
}
