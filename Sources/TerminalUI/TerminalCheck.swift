import CNcursesw
import Foundation

/// Tells, before starting the full-screen interface, why this process cannot use one.
public enum TerminalCheck {
    /// One sentence explaining why there is no usable terminal, or nil when there is one.
    public static func problem() -> String? {
        problem(term: ProcessInfo.processInfo.environment["TERM"], stdinIsTerminal: isatty(0) == 1,
                stdoutIsTerminal: isatty(1) == 1)
    }

    /// The same check with every input given, for tests.
    public static func problem(term: String?, stdinIsTerminal: Bool, stdoutIsTerminal: Bool) -> String? {
        if !stdinIsTerminal { return "Standard input is not a terminal, so the full-screen interface cannot read keys." }
        if !stdoutIsTerminal { return "Standard output is not a terminal, so the full-screen interface cannot draw." }
        guard let term, !term.isEmpty else {
            return "TERM is not set, so the kind of terminal is unknown."
        }
        if term == "dumb" { return "TERM is \"dumb\", a terminal that cannot position the cursor." }
        if !terminfoExists(term) { return "The terminal type \"\(term)\" has no terminfo entry on this system." }
        return nil
    }

    /// Whether curses knows `term`, found by opening (and closing) a screen that writes to /dev/null.
    static func terminfoExists(_ term: String) -> Bool {
        guard let output = fopen("/dev/null", "w") else { return false }
        defer { fclose(output) }
        guard let input = fopen("/dev/null", "r") else { return false }
        defer { fclose(input) }
        guard let screen = newterm(term, output, input) else { return false }
        endwin()
        delscreen(screen)
        return true
    }

    /// Makes ncursesw draw non-ASCII characters: the user's locale, or C.UTF-8 when it is not UTF-8.
    public static func prepareLocale() {
        setlocale(LC_ALL, "")
        if !isUTF8Codeset() { setlocale(LC_CTYPE, "C.UTF-8") }
    }

    static func isUTF8Codeset() -> Bool {
        guard let codeset = rill_codeset() else { return false }
        let name = String(cString: codeset).uppercased()
        return name == "UTF-8" || name == "UTF8"
    }
}
