/// How many colours the terminal can show, and how theme colours map onto them.
public enum ColorDepth: Sendable, Equatable {
    case monochrome
    case eight
    case sixteen
    case palette256

    /// From curses' `has_colors()` and `COLORS`.
    public static func from(hasColors: Bool, colors: Int) -> ColorDepth {
        guard hasColors else { return .monochrome }
        if colors >= 256 { return .palette256 }
        if colors >= 16 { return .sixteen }
        if colors >= 8 { return .eight }
        return .monochrome
    }

    /// The curses colour number for `color`: -1 is the terminal default, nil means no colour at all.
    public func index(for color: ThemeColor) -> Int? {
        switch self {
        case .monochrome:
            return nil
        case .palette256, .sixteen:
            switch color {
            case .terminalDefault: return -1
            case .ansi(let n): return self == .sixteen || n < 16 ? n : n
            case .rgb(let r, let g, let b):
                return self == .palette256 ? ColorDepth.nearest256(r, g, b) : ColorDepth.nearestAnsi(r, g, b, count: 16)
            }
        case .eight:
            switch color {
            case .terminalDefault: return -1
            case .ansi(let n): return n % 8
            case .rgb(let r, let g, let b): return ColorDepth.nearestAnsi(r, g, b, count: 8)
            }
        }
    }

    /// Nearest entry of the xterm 6×6×6 cube or grey ramp (16…255); the first 16 are left alone
    /// because users redefine them.
    static func nearest256(_ r: UInt8, _ g: UInt8, _ b: UInt8) -> Int {
        let levels = [0, 95, 135, 175, 215, 255]
        func level(_ v: UInt8) -> Int {
            var best = 0
            for i in 1..<6 where abs(levels[i] - Int(v)) < abs(levels[best] - Int(v)) { best = i }
            return best
        }
        let (lr, lg, lb) = (level(r), level(g), level(b))
        let cube = 16 + 36 * lr + 6 * lg + lb
        let cubeDistance = distance((levels[lr], levels[lg], levels[lb]), (Int(r), Int(g), Int(b)))
        let average = (Int(r) + Int(g) + Int(b)) / 3
        let greyStep = min(23, max(0, (average - 8 + 5) / 10))
        let greyValue = 8 + 10 * greyStep
        let greyDistance = distance((greyValue, greyValue, greyValue), (Int(r), Int(g), Int(b)))
        return greyDistance < cubeDistance ? 232 + greyStep : cube
    }

    /// Typical RGB of the 16 ANSI colours (xterm's defaults).
    static let ansiRGB: [(Int, Int, Int)] = [
        (0, 0, 0), (205, 0, 0), (0, 205, 0), (205, 205, 0), (0, 0, 238), (205, 0, 205), (0, 205, 205), (229, 229, 229),
        (127, 127, 127), (255, 0, 0), (0, 255, 0), (255, 255, 0), (92, 92, 255), (255, 0, 255), (0, 255, 255),
        (255, 255, 255),
    ]

    static func nearestAnsi(_ r: UInt8, _ g: UInt8, _ b: UInt8, count: Int) -> Int {
        let target = (Int(r), Int(g), Int(b))
        var best = 0
        var bestDistance = Int.max
        for index in 0..<count {
            var candidate = ansiRGB[index]
            // On 8-colour terminals "white" (7) is light grey, close enough for any light colour, and
            // dark greys are better shown as black than as a colour.
            if count == 8, index == 7 { candidate = (200, 200, 200) }
            let d = distance(candidate, target)
            if d < bestDistance { bestDistance = d; best = index }
        }
        return best
    }

    private static func distance(_ a: (Int, Int, Int), _ b: (Int, Int, Int)) -> Int {
        let dr = a.0 - b.0, dg = a.1 - b.1, db = a.2 - b.2
        return 3 * dr * dr + 4 * dg * dg + 2 * db * db
    }

    /// Attributes that keep a role's meaning when colours are missing or collapse to the same value.
    public static func monochromeFallback(_ role: ThemeRole) -> TextAttributes {
        switch role {
        case .selected_fg, .selected_bg, .status_bar_fg, .status_bar_bg, .hint_text, .dialog_fg: return .reverse
        case .hint_key: return [.reverse, .bold]
        case .pane_title, .header, .pane_border_focused, .status_error, .piece_rare, .piece_downloading: return .bold
        case .dim, .piece_skipped, .progress_todo, .graph_axis, .pane_border: return .dim
        case .status_warn: return .underline
        default: return []
        }
    }
}

/// What one role looks like on a given terminal: curses colours (nil for none) and attributes.
public struct ResolvedStyle: Sendable, Equatable {
    public var foreground: Int?
    public var background: Int?
    public var attributes: TextAttributes
}

extension Theme {
    /// Resolves `role` for a terminal with `depth` colours.
    public func resolve(_ role: ThemeRole, depth: ColorDepth) -> ResolvedStyle {
        let own = attributes(role.foregroundRole)
        guard depth != .monochrome else {
            return ResolvedStyle(foreground: nil, background: nil,
                                 attributes: own.union(ColorDepth.monochromeFallback(role)))
        }
        let foreground = depth.index(for: color(role.foregroundRole))
        let background = depth.index(for: color(role.backgroundRole))
        var style = ResolvedStyle(foreground: foreground, background: background, attributes: own)
        if depth == .eight || depth == .sixteen {
            // A role whose colours collapsed into the same value would vanish: fall back to
            // the terminal default colours and let attributes carry the meaning.
            if foreground == background {
                style.foreground = -1
                style.background = role.backgroundRole == .background ? -1 : background
                if style.foreground == style.background { style.background = -1 }
                style.attributes.formUnion(ColorDepth.monochromeFallback(role))
            }
            // On few colours, distinct highlights (selection, status bar) must also differ without colour.
            if role.backgroundRole != .background, background == depth.index(for: color(.background)) {
                style.attributes.formUnion(ColorDepth.monochromeFallback(role))
            }
        }
        return style
    }
}
