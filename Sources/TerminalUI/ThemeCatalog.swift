/// The themes found in the search folders, loaded once; `t` cycles through them.
public struct ThemeCatalog: Sendable {
    public private(set) var themes: [Theme]
    /// Problems found while loading, one sentence each with file and line.
    public private(set) var diagnostics: [ThemeDiagnostic]

    /// Loads every `*.toml` in `searchPaths` (first folder wins per name); the built-in dark theme
    /// is always available.
    public init(searchPaths: [String]) {
        var themes: [Theme] = []
        var diagnostics: [ThemeDiagnostic] = []
        for file in ThemeLoader.themeFiles(in: searchPaths) {
            let result = ThemeLoader.load(path: file.path)
            var theme = result.theme
            theme.name = file.name
            themes.append(theme)
            diagnostics += result.diagnostics
        }
        if !themes.contains(where: { $0.name == "dark" }) { themes.insert(Theme.dark, at: 0) }
        self.themes = themes
        self.diagnostics = diagnostics
    }

    public var names: [String] { themes.map(\.name) }

    public func theme(named name: String) -> Theme? { themes.first { $0.name == name } }
}
