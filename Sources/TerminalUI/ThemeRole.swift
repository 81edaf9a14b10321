/// A semantic colour role: what a cell means, crossed with a theme to get colours and attributes.
/// The raw value is the key used in theme files.
public enum ThemeRole: String, CaseIterable, Sendable {
    case background
    case text
    case dim
    case header
    case pane_border
    case pane_border_focused
    case pane_title
    case selected_bg
    case selected_fg
    case status_bar_bg
    case status_bar_fg
    case hint_key
    case hint_text
    case progress_done
    case progress_todo
    case piece_have
    case piece_downloading
    case piece_missing
    case piece_rare
    case piece_skipped
    case graph_download
    case graph_upload
    case graph_axis
    case status_ok
    case status_warn
    case status_error
    case dialog_bg
    case dialog_fg

    /// Roles that only name a background colour; cells drawn with them show plain text on it.
    public var isBackgroundOnly: Bool {
        switch self {
        case .background, .selected_bg, .status_bar_bg, .dialog_bg: return true
        default: return false
        }
    }

    /// The role whose colour fills the cell behind this role's text.
    public var backgroundRole: ThemeRole {
        switch self {
        case .selected_fg, .selected_bg: return .selected_bg
        case .status_bar_fg, .status_bar_bg, .hint_key, .hint_text: return .status_bar_bg
        case .dialog_fg, .dialog_bg: return .dialog_bg
        default: return .background
        }
    }

    /// The role whose colour draws this role's text.
    public var foregroundRole: ThemeRole {
        switch self {
        case .background: return .text
        case .selected_bg: return .selected_fg
        case .status_bar_bg: return .status_bar_fg
        case .dialog_bg: return .dialog_fg
        default: return self
        }
    }

    /// Index among all roles (declaration order), used as the curses colour pair number minus one.
    /// A payload-free enum is stored as its case's ordinal, so this is a byte load, not a lookup.
    @inline(__always)
    public var index: Int { Int(withUnsafeBytes(of: self) { $0[0] }) }
}
