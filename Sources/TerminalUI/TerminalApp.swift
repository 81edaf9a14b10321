import CNcursesw
import EngineAPI
import Foundation

/// Settings the command line passes to the full-screen interface.
public struct TerminalUIOptions: Sendable {
    /// The theme to start with (a file name without `.toml`); nil is "dark".
    public var themeName: String?
    /// Folders searched for `*.toml` themes, first wins per name.
    public var themeSearchPaths: [String]
    /// Longest wait for a key before looking at the engine again, in seconds.
    public var refreshInterval: Double
    /// Report mouse clicks (selecting rows and panes).
    public var mouse: Bool
    /// Terminal type for curses; nil uses `$TERM`.
    public var term: String?
    /// Problems found before the interface started (settings, say), shown in the log pane.
    public var startupNotes: [String] = []

    public init(themeName: String? = nil, themeSearchPaths: [String] = [], refreshInterval: Double = 0.25,
                mouse: Bool = true, term: String? = nil) {
        self.themeName = themeName
        self.themeSearchPaths = themeSearchPaths
        self.refreshInterval = refreshInterval
        self.mouse = mouse
        self.term = term
    }
}

/// The full-screen client: runs the UI loop against any `TorrentEngine` on the calling thread.
public final class TerminalApp {
    private let engine: any TorrentEngine
    private let options: TerminalUIOptions
    public let catalog: ThemeCatalog
    public let controller: UIController
    /// Theme problems (unknown keys, bad colours, missing theme); print or log them.
    public private(set) var themeDiagnostics: [ThemeDiagnostic]
    /// Frames drawn so far (for measurements).
    public private(set) var framesRendered = 0

    public init(engine: any TorrentEngine, options: TerminalUIOptions = TerminalUIOptions()) {
        self.engine = engine
        self.options = options
        catalog = ThemeCatalog(searchPaths: options.themeSearchPaths)
        themeDiagnostics = catalog.diagnostics
        var initial = options.themeName ?? "dark"
        if catalog.theme(named: initial) == nil {
            themeDiagnostics.append(ThemeDiagnostic(
                file: initial, line: nil, message: "no theme named \"\(initial)\" in the theme folders; using dark"))
            initial = "dark"
        }
        controller = UIController(themeNames: catalog.names, initialTheme: initial)
        for note in options.startupNotes + themeDiagnostics.map(\.description) {
            controller.note(note, clock: Self.clock())
        }
    }

    /// Runs until the user quits or `shouldStop` returns true; the terminal is restored on return,
    /// also when this throws. Throws `TerminalError` when there is no usable terminal.
    public func run(shouldStop: () -> Bool = { false }) throws {
        TerminalCheck.prepareLocale()
        if options.term == nil, let problem = TerminalCheck.problem() { throw TerminalError.unusable(problem) }
        let terminal = try Terminal(term: options.term, output: rill_stdout(), input: rill_stdin(), mouse: options.mouse)
        defer { terminal.close() }
        try loop(terminal, shouldStop: shouldStop)
    }

    /// Runs the loop on an already opened terminal (tests open one on a file).
    func loop(_ terminal: Terminal, shouldStop: () -> Bool, maxIterations: Int = .max) throws {
        var themeName = controller.state.themeName
        terminal.apply(catalog.theme(named: themeName) ?? Theme.dark)
        var buffer = ScreenBuffer(width: 0, height: 0)
        var lastUptime = -Double.infinity
        var lastDetailID: TorrentID?
        var dirty = true
        let interval = options.refreshInterval.isFinite ? min(10, max(0.01, options.refreshInterval)) : 0.25
        let waitMilliseconds = Int(interval * 1000)
        var iterations = 0
        while !controller.state.quitRequested, !shouldStop(), iterations < maxIterations {
            iterations += 1
            let size = terminal.size
            if size.width != controller.state.width || size.height != controller.state.height {
                controller.resize(width: size.width, height: size.height)
                dirty = true
            }
            let wanted = controller.state.selectedTorrent
            let snapshot = engine.snapshot(detail: wanted)
            let events = engine.drainEvents()
            if snapshot.uptime != lastUptime || !events.isEmpty || snapshot.detail?.id != lastDetailID {
                lastUptime = snapshot.uptime
                lastDetailID = snapshot.detail?.id
                controller.update(snapshot: snapshot, events: events, clock: Self.clock())
                dirty = true
            }
            if dirty {
                ScreenRenderer.render(controller.state, keyMap: controller.keyMap, into: &buffer)
                terminal.flush(buffer)
                framesRendered += 1
                dirty = false
            }
            guard let key = terminal.readKey(timeout: waitMilliseconds) else { continue }
            dirty = true
            if key == .resize { continue }
            var translated = key
            if key == .character("\u{3}") {
                // Ctrl-C: cancel what is open, or ask to quit.
                translated = controller.state.mode == .normal ? .character("q") : .escape
            }
            for command in controller.handle(translated) { engine.perform(command) }
            if controller.state.themeName != themeName {
                themeName = controller.state.themeName
                terminal.apply(catalog.theme(named: themeName) ?? Theme.dark)
            }
        }
    }

    /// "HH:MM:SS" local time for log lines.
    static func clock() -> String {
        var now = time(nil)
        var parts = tm()
        localtime_r(&now, &parts)
        return "\(Format.twoDigits(Int(parts.tm_hour))):\(Format.twoDigits(Int(parts.tm_min))):\(Format.twoDigits(Int(parts.tm_sec)))"
    }
}
