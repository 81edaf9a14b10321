import Foundation
import TOMLKit

/// A problem found while loading a theme; the theme still loads with defaults in its place.
public struct ThemeDiagnostic: Sendable, Equatable, CustomStringConvertible {
    public var file: String
    /// 1-based line of the offending key, when known.
    public var line: Int?
    public var message: String

    public init(file: String, line: Int?, message: String) {
        self.file = file
        self.line = line
        self.message = message
    }

    public var description: String {
        if let line { return "\(file):\(line): \(message)" }
        return "\(file): \(message)"
    }
}

/// Reads theme files (`name = "…"`, a `[colors]` table of role → colour, an `[attributes]` table of
/// role → attribute names) and finds the themes in a list of folders.
public enum ThemeLoader {
    public struct Result: Sendable {
        public var theme: Theme
        public var diagnostics: [ThemeDiagnostic]
    }

    /// Loads the file at `path`; anything missing or wrong falls back to the built-in dark theme.
    public static func load(path: String) -> Result {
        let name = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8)
        else {
            return Result(theme: renamed(Theme.dark, name), diagnostics: [
                ThemeDiagnostic(file: path, line: nil, message: "cannot read the theme file; using the default theme"),
            ])
        }
        return parse(text, name: name, file: path)
    }

    /// Parses theme text; `file` only labels the diagnostics.
    public static func parse(_ text: String, name: String, file: String) -> Result {
        var diagnostics: [ThemeDiagnostic] = []
        let table: TOMLTable
        do {
            table = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            diagnostics.append(ThemeDiagnostic(file: file, line: error.source.begin.line,
                                               message: "not valid TOML (\(error.description)); using the default theme"))
            return Result(theme: renamed(Theme.dark, name), diagnostics: diagnostics)
        } catch {
            diagnostics.append(ThemeDiagnostic(file: file, line: nil, message: "not valid TOML; using the default theme"))
            return Result(theme: renamed(Theme.dark, name), diagnostics: diagnostics)
        }
        let locator = KeyLocator(text: text)
        var theme = Theme.dark
        theme.name = name
        for key in table.keys {
            switch key {
            case "name":
                if let value = table[key]?.string { theme.name = value } else {
                    diagnostics.append(ThemeDiagnostic(file: file, line: locator.line(of: key, in: nil),
                                                       message: "`name` must be a string"))
                }
            case "colors":
                guard let colors = table[key]?.table else {
                    diagnostics.append(ThemeDiagnostic(file: file, line: locator.line(of: key, in: nil),
                                                       message: "`colors` must be a table"))
                    continue
                }
                for roleKey in colors.keys {
                    let line = locator.line(of: roleKey, in: "colors")
                    guard let role = ThemeRole(rawValue: roleKey) else {
                        diagnostics.append(ThemeDiagnostic(file: file, line: line,
                                                           message: "unknown colour role `\(roleKey)`"))
                        continue
                    }
                    guard let value = colors[roleKey]?.string, let color = parseColor(value) else {
                        let shown = colors[roleKey]?.string ?? "a non-string value"
                        diagnostics.append(ThemeDiagnostic(
                            file: file, line: line,
                            message: "bad colour \"\(shown)\" for `\(roleKey)` (use #RRGGBB or a colour name)"))
                        continue
                    }
                    theme.colors[role] = color
                }
            case "attributes":
                guard let attributes = table[key]?.table else {
                    diagnostics.append(ThemeDiagnostic(file: file, line: locator.line(of: key, in: nil),
                                                       message: "`attributes` must be a table"))
                    continue
                }
                for roleKey in attributes.keys {
                    let line = locator.line(of: roleKey, in: "attributes")
                    guard let role = ThemeRole(rawValue: roleKey) else {
                        diagnostics.append(ThemeDiagnostic(file: file, line: line,
                                                           message: "unknown attribute role `\(roleKey)`"))
                        continue
                    }
                    var names: [String] = []
                    if let single = attributes[roleKey]?.string {
                        names = [single]
                    } else if let array = attributes[roleKey]?.array {
                        names = array.map { $0.string ?? "?" }
                    }
                    var set: TextAttributes = []
                    var bad: String?
                    for attributeName in names {
                        if let match = TextAttributes.names.first(where: { $0.0 == attributeName }) {
                            set.insert(match.1)
                        } else if attributeName != "none" {
                            bad = attributeName
                        }
                    }
                    if let bad {
                        diagnostics.append(ThemeDiagnostic(
                            file: file, line: line,
                            message: "unknown attribute \"\(bad)\" for `\(roleKey)` (bold, dim, reverse, underline, italic, none)"))
                        continue
                    }
                    theme.attributes[role] = set
                }
            default:
                diagnostics.append(ThemeDiagnostic(file: file, line: locator.line(of: key, in: nil),
                                                   message: "unknown key `\(key)`"))
            }
        }
        return Result(theme: theme, diagnostics: diagnostics)
    }

    /// `#RRGGBB`, `default`, or one of the 16 ANSI names (`red`, `bright_blue`, …).
    public static func parseColor(_ text: String) -> ThemeColor? {
        let value = text.trimmingCharacters(in: .whitespaces).lowercased()
        if value == "default" { return .terminalDefault }
        if value.hasPrefix("#"), value.count == 7, let number = UInt32(value.dropFirst(), radix: 16) {
            return .rgb(UInt8(number >> 16 & 0xFF), UInt8(number >> 8 & 0xFF), UInt8(number & 0xFF))
        }
        if let index = ansiNames.firstIndex(of: value) { return .ansi(index) }
        if let index = ansiNames.firstIndex(of: value.replacingOccurrences(of: "grey", with: "gray")) {
            return .ansi(index)
        }
        return nil
    }

    static let ansiNames = [
        "black", "red", "green", "yellow", "blue", "magenta", "cyan", "white",
        "bright_black", "bright_red", "bright_green", "bright_yellow", "bright_blue", "bright_magenta",
        "bright_cyan", "bright_white",
    ]

    /// The `.toml` files in `folders`, by theme name (file name without extension), first folder wins.
    public static func themeFiles(in folders: [String]) -> [(name: String, path: String)] {
        var found: [(name: String, path: String)] = []
        for folder in folders {
            let expanded = (folder as NSString).expandingTildeInPath
            guard let entries = try? FileManager.default.contentsOfDirectory(atPath: expanded) else { continue }
            for entry in entries.sorted() where entry.hasSuffix(".toml") {
                let name = String(entry.dropLast(5))
                if !found.contains(where: { $0.name == name }) {
                    found.append((name, (expanded as NSString).appendingPathComponent(entry)))
                }
            }
        }
        // The default theme first, then the rest by name.
        return found.sorted { ($0.name == "dark" ? "" : $0.name) < ($1.name == "dark" ? "" : $1.name) }
    }

    private static func renamed(_ theme: Theme, _ name: String) -> Theme {
        var copy = theme
        copy.name = name
        return copy
    }
}

/// Finds the line of a key in TOML text, since the parser does not report where keys are.
struct KeyLocator {
    private let lines: [Substring]

    init(text: String) {
        lines = text.split(separator: "\n", omittingEmptySubsequences: false)
    }

    /// The 1-based line where `key` is assigned inside `[section]` (nil: top level).
    func line(of key: String, in section: String?) -> Int? {
        var current: String?
        for (offset, raw) in lines.enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("[") {
                current = line.trimmingCharacters(in: CharacterSet(charactersIn: "[] "))
                if section == nil, current == key { return offset + 1 }
                continue
            }
            guard current == section else { continue }
            let name = line.split(separator: "=", maxSplits: 1).first?
                .trimmingCharacters(in: CharacterSet(charactersIn: " \t\"'")) ?? ""
            if name == key { return offset + 1 }
        }
        return nil
    }
}
