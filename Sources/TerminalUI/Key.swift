/// A key press (or mouse click) after the terminal decoded it.
public enum Key: Hashable, Sendable {
    case character(Character)
    case up, down, left, right, pageUp, pageDown, home, end
    case tab, backTab, enter, escape, backspace, delete
    case resize
    /// A left click at a screen cell.
    case mouse(x: Int, y: Int)
    /// The mouse wheel turned over a screen cell; `up` scrolls towards the top.
    case wheel(x: Int, y: Int, up: Bool)

    /// How the key is written in the hint bar and help.
    public var label: String {
        switch self {
        case .character(" "): return "Space"
        case .character(let c): return String(c)
        case .up: return "↑"
        case .down: return "↓"
        case .left: return "←"
        case .right: return "→"
        case .pageUp: return "PgUp"
        case .pageDown: return "PgDn"
        case .home: return "Home"
        case .end: return "End"
        case .tab: return "Tab"
        case .backTab: return "S-Tab"
        case .enter: return "Enter"
        case .escape: return "Esc"
        case .backspace: return "Bksp"
        case .delete: return "Del"
        case .resize: return "resize"
        case .mouse: return "click"
        case .wheel: return "wheel"
        }
    }
}
