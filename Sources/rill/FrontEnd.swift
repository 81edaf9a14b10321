import EngineAPI
import Foundation
import Logging
import TerminalUI

/// Starts the full-screen interface for `rill` and `rill demo`.
enum FrontEnd {
    /// Throws one sentence, pointing to the headless commands, when there is no usable terminal.
    static func requireTerminal() throws {
        guard let problem = TerminalCheck.problem() else { return }
        var sentence = problem.trimmingCharacters(in: CharacterSet(charactersIn: ". "))
        if let first = sentence.first, sentence.dropFirst().first?.isLowercase ?? true {
            sentence = first.lowercased() + sentence.dropFirst()
        }
        throw CLIError("\(sentence); use 'rill download FILE --dir DIR' to download without one")
    }

    /// A logger that writes to the log file of the state folder (stderr would spoil the screen).
    static func fileLogger() -> Logger {
        let path = RillPaths.logFile
        let sink = FileLogHandler.open(path: path)
        var logger = Logger(label: "rill") { label in
            if let sink { return FileLogHandler(label: label, sink: sink) }
            return SwiftLogNoOpLogHandler()
        }
        logger.logLevel = .info
        return logger
    }

    /// Runs the interface on a thread of its own (curses wants one thread, and blocking in
    /// `wget_wch` must not hold a task's thread) until the user quits or a signal asks to stop.
    static func run(engine: any TorrentEngine, theme: String, notes: [String] = [], log: Logger) async throws {
        var searchPaths = RillPaths.themeFolders
        var name = theme
        if theme.contains("/") || theme.hasSuffix(".toml") {
            let url = URL(fileURLWithPath: theme)
            searchPaths.insert(url.deletingLastPathComponent().path, at: 0)
            name = url.deletingPathExtension().lastPathComponent
        }
        var settings = TerminalUIOptions(themeName: name, themeSearchPaths: searchPaths)
        settings.startupNotes = notes
        let options = settings
        let signals = SignalWatcher()
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, Error>) in
            let thread = Thread {
                do {
                    let app = TerminalApp(engine: engine, options: options)
                    for diagnostic in app.themeDiagnostics { log.warning("\(diagnostic)") }
                    try app.run(shouldStop: { signals.received })
                    continuation.resume()
                } catch {
                    continuation.resume(throwing: error)
                }
            }
            thread.name = "rill-ui"
            thread.stackSize = 8 << 20
            thread.start()
        }
    }
}
