import CNcursesw
import Foundation

/// Why a curses screen could not be opened.
public enum TerminalError: Error, Equatable, CustomStringConvertible {
    case unusable(String)
    case cannotOpen(String)

    public var description: String {
        switch self {
        case .unusable(let reason): return reason
        case .cannotOpen(let term): return "Cannot start curses on the terminal type \"\(term)\"."
        }
    }
}

/// The only code that talks to curses. Not thread-safe (curses is process-global): create, use and
/// close it on one thread. Flushes finished `ScreenBuffer`s, writing only the cells that changed.
final class Terminal {
    private let screen: OpaquePointer
    private let window: UnsafeMutablePointer<WINDOW>
    private var previous: ScreenBuffer?
    private var styles: [(attributes: attr_t, pair: Int16)] = []
    private(set) var depth: ColorDepth = .monochrome
    private var closed = false
    /// Cells written by the last flush (for measurements and tests).
    private(set) var lastFlushCellCount = 0

    /// Opens a screen; `term` nil means `$TERM`. Output and input default to the process's streams.
    init(term: String?, output: UnsafeMutablePointer<FILE>, input: UnsafeMutablePointer<FILE>, mouse: Bool) throws {
        guard let screen = newterm(term, output, input) else {
            throw TerminalError.cannotOpen(term ?? ProcessInfo.processInfo.environment["TERM"] ?? "")
        }
        self.screen = screen
        set_term(screen)
        guard let window = rill_stdscr() else {
            endwin()
            delscreen(screen)
            throw TerminalError.cannotOpen(term ?? "")
        }
        self.window = window
        raw()
        noecho()
        nonl()
        keypad(window, true)
        set_escdelay(25)
        curs_set(0)
        if has_colors() {
            start_color()
            use_default_colors()
        }
        depth = ColorDepth.from(hasColors: has_colors(), colors: Int(rill_colors()))
        if mouse { mousemask(rill_button1_mask(), nil) }
    }

    deinit { close() }

    var size: (width: Int, height: Int) { (Int(getmaxx(window)), Int(getmaxy(window))) }

    /// Sets colour pairs and attributes for every role; the next flush redraws everything.
    func apply(_ theme: Theme) {
        styles = []
        let pairLimit = Int(rill_color_pairs())
        for role in ThemeRole.allCases {
            let resolved = theme.resolve(role, depth: depth)
            var pair: Int16 = 0
            if let fg = resolved.foreground, let bg = resolved.background, role.index + 1 < pairLimit {
                pair = Int16(role.index + 1)
                init_pair(pair, Int16(fg), Int16(bg))
            }
            styles.append((Terminal.cursesAttributes(resolved.attributes), pair))
        }
        if let background = styles.indices.contains(ThemeRole.background.index) ? styles[ThemeRole.background.index] : nil {
            wbkgdset(window, chtype(background.attributes) | chtype(COLOR_PAIR(Int32(background.pair))) | 0x20)
        }
        previous = nil
    }

    static func cursesAttributes(_ attributes: TextAttributes) -> attr_t {
        var value = rill_a_normal()
        if attributes.contains(.bold) { value |= rill_a_bold() }
        if attributes.contains(.dim) { value |= rill_a_dim() }
        if attributes.contains(.reverse) { value |= rill_a_reverse() }
        if attributes.contains(.underline) { value |= rill_a_underline() }
        if attributes.contains(.italic) { value |= rill_a_italic() }
        return value
    }

    /// Writes the cells that differ from the last frame and updates the terminal once.
    func flush(_ buffer: ScreenBuffer) {
        let full = previous == nil || previous?.width != buffer.width || previous?.height != buffer.height
        if full { werase(window) }
        var written = 0
        buffer.cells.withUnsafeBufferPointer { cells in
            let old = full ? nil : previous
            for row in 0..<buffer.height {
                let base = row * buffer.width
                for column in 0..<buffer.width {
                    let cell = cells[base + column]
                    if let old, old.cells[base + column] == cell { continue }
                    // A wide character's right half is drawn by its left half.
                    if cell.scalar == 0 { continue }
                    let roleIndex = cell.role.index
                    let style: (attributes: attr_t, pair: Int16) =
                        roleIndex < styles.count ? styles[roleIndex] : (rill_a_normal(), 0)
                    _ = rill_put_cell(window, Int32(row), Int32(column), wchar_t(bitPattern: cell.scalar),
                                      style.attributes, style.pair)
                    written += 1
                }
            }
        }
        lastFlushCellCount = written
        previous = buffer
        wnoutrefresh(window)
        doupdate()
    }

    /// Forces the next flush to redraw every cell (after a theme change or a garbled screen).
    func invalidate() {
        previous = nil
        clearok(window, true)
    }

    /// Waits up to `milliseconds` for a key; nil on timeout.
    func readKey(timeout milliseconds: Int) -> Key? {
        wtimeout(window, Int32(milliseconds))
        var character: wint_t = 0
        let status = wget_wch(window, &character)
        if status == ERR { return nil }
        if status == KEY_CODE_YES { return functionKey(Int32(character)) }
        switch character {
        case 9: return .tab
        case 10, 13: return .enter
        case 27: return .escape
        case 8, 127: return .backspace
        default:
            guard let scalar = Unicode.Scalar(UInt32(character)) else { return nil }
            return .character(Character(scalar))
        }
    }

    private func functionKey(_ code: Int32) -> Key? {
        switch code {
        case KEY_UP: return .up
        case KEY_DOWN: return .down
        case KEY_LEFT: return .left
        case KEY_RIGHT: return .right
        case KEY_PPAGE: return .pageUp
        case KEY_NPAGE: return .pageDown
        case KEY_HOME: return .home
        case KEY_END: return .end
        case KEY_BTAB: return .backTab
        case KEY_ENTER: return .enter
        case KEY_BACKSPACE: return .backspace
        case KEY_DC: return .delete
        case KEY_RESIZE:
            previous = nil
            return .resize
        case KEY_MOUSE:
            var event = MEVENT()
            guard getmouse(&event) == OK else { return nil }
            if event.bstate & rill_wheel_up() != 0 { return .wheel(x: Int(event.x), y: Int(event.y), up: true) }
            if event.bstate & rill_wheel_down() != 0 { return .wheel(x: Int(event.x), y: Int(event.y), up: false) }
            guard event.bstate & rill_button1_pressed() != 0 else { return nil }
            return .mouse(x: Int(event.x), y: Int(event.y))
        default: return nil
        }
    }

    /// Restores the terminal; safe to call more than once.
    func close() {
        guard !closed else { return }
        closed = true
        endwin()
        delscreen(screen)
    }
}
