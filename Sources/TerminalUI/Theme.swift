/// A colour in a theme: the terminal's default, one of the 16 ANSI colours, or an RGB value.
public enum ThemeColor: Sendable, Equatable {
    case terminalDefault
    case ansi(Int)
    case rgb(UInt8, UInt8, UInt8)
}

/// Text attributes a theme can add to a role; on terminals without colour they carry the meaning.
public struct TextAttributes: OptionSet, Sendable, Hashable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let bold = TextAttributes(rawValue: 1 << 0)
    public static let dim = TextAttributes(rawValue: 1 << 1)
    public static let reverse = TextAttributes(rawValue: 1 << 2)
    public static let underline = TextAttributes(rawValue: 1 << 3)
    public static let italic = TextAttributes(rawValue: 1 << 4)

    static let names: [(String, TextAttributes)] = [
        ("bold", .bold), ("dim", .dim), ("reverse", .reverse), ("underline", .underline), ("italic", .italic),
    ]
}

/// A named table from every `ThemeRole` to a colour and attributes.
public struct Theme: Sendable, Equatable {
    public var name: String
    public var colors: [ThemeRole: ThemeColor]
    public var attributes: [ThemeRole: TextAttributes]

    public init(name: String, colors: [ThemeRole: ThemeColor], attributes: [ThemeRole: TextAttributes]) {
        self.name = name
        self.colors = colors
        self.attributes = attributes
    }

    public func color(_ role: ThemeRole) -> ThemeColor { colors[role] ?? Theme.dark.colors[role] ?? .terminalDefault }
    public func attributes(_ role: ThemeRole) -> TextAttributes { attributes[role] ?? [] }

    /// The built-in default; `Themes/dark.toml` holds the same values.
    public static let dark = Theme(
        name: "dark",
        colors: [
            .background: .rgb(0x1C, 0x1C, 0x1C), .text: .rgb(0xD0, 0xD0, 0xD0), .dim: .rgb(0x80, 0x80, 0x80),
            .header: .rgb(0x87, 0xAF, 0xD7), .pane_border: .rgb(0x58, 0x58, 0x58),
            .pane_border_focused: .rgb(0x5F, 0xAF, 0xFF), .pane_title: .rgb(0xFF, 0xD7, 0x5F),
            .selected_bg: .rgb(0x30, 0x50, 0x80), .selected_fg: .rgb(0xFF, 0xFF, 0xFF),
            .status_bar_bg: .rgb(0x30, 0x30, 0x30), .status_bar_fg: .rgb(0xD0, 0xD0, 0xD0),
            .hint_key: .rgb(0xFF, 0xD7, 0x5F), .hint_text: .rgb(0xA8, 0xA8, 0xA8),
            .progress_done: .rgb(0x5F, 0xD7, 0x5F), .progress_todo: .rgb(0x44, 0x44, 0x44),
            .piece_have: .rgb(0x5F, 0xD7, 0x5F), .piece_downloading: .rgb(0xFF, 0xD7, 0x00),
            .piece_missing: .rgb(0x6C, 0x6C, 0x6C), .piece_rare: .rgb(0xD7, 0x5F, 0x5F),
            .piece_skipped: .rgb(0x3A, 0x3A, 0x3A), .graph_download: .rgb(0x5F, 0xD7, 0xFF),
            .graph_upload: .rgb(0xD7, 0x87, 0xFF), .graph_axis: .rgb(0x80, 0x80, 0x80),
            .status_ok: .rgb(0x5F, 0xD7, 0x5F), .status_warn: .rgb(0xFF, 0xD7, 0x00),
            .status_error: .rgb(0xFF, 0x5F, 0x5F), .dialog_bg: .rgb(0x26, 0x26, 0x26),
            .dialog_fg: .rgb(0xFF, 0xFF, 0xFF),
        ],
        attributes: [
            .pane_title: .bold, .header: .bold, .selected_fg: .bold, .hint_key: .bold,
            .status_error: .bold, .pane_border_focused: .bold,
        ]
    )
}
