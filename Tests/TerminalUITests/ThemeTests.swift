import Foundation
import Testing
@testable import TerminalUI

@Suite struct ThemeTests {
    @Test func allFourThemeFilesLoadWithoutDiagnostics() {
        let files = ThemeLoader.themeFiles(in: [themesFolder])
        #expect(files.map(\.name) == ["dark", "high-contrast", "light", "monochrome"])
        for file in files {
            let result = ThemeLoader.load(path: file.path)
            #expect(result.diagnostics.isEmpty, "\(file.name): \(result.diagnostics)")
            // Every role is spelled out in every shipped theme.
            #expect(result.theme.colors.count == ThemeRole.allCases.count)
        }
    }

    @Test func builtInDefaultEqualsDarkToml() {
        let result = ThemeLoader.load(path: themesFolder + "/dark.toml")
        #expect(result.theme == Theme.dark)
    }

    @Test func unknownKeyAndBadColourAreReportedWithLineAndFallBack() {
        let text = """
            name = "broken"

            [colors]
            text = "#ff0000"
            sparkle = "#00ff00"
            dim = "#12345"

            [attributes]
            pane_title = ["bold", "blink"]
            """
        let result = ThemeLoader.parse(text, name: "broken", file: "broken.toml")
        let messages = result.diagnostics.map(\.description)
        #expect(messages.contains("broken.toml:5: unknown colour role `sparkle`"))
        #expect(messages.contains { $0.hasPrefix("broken.toml:6: bad colour \"#12345\" for `dim`") })
        #expect(messages.contains { $0.hasPrefix("broken.toml:9: unknown attribute \"blink\" for `pane_title`") })
        #expect(result.theme.color(.text) == .rgb(0xFF, 0, 0))
        #expect(result.theme.color(.dim) == Theme.dark.color(.dim))
        #expect(result.theme.attributes(.pane_title) == Theme.dark.attributes(.pane_title))
        #expect(result.theme.color(.graph_upload) == Theme.dark.color(.graph_upload))
    }

    @Test func unparsableFileFallsBackToTheDefaultWithAMessage() {
        let result = ThemeLoader.parse("[colors\ntext = ", name: "bad", file: "bad.toml")
        #expect(result.diagnostics.count == 1)
        #expect(result.diagnostics[0].message.contains("not valid TOML"))
        var expected = Theme.dark
        expected.name = "bad"
        #expect(result.theme == expected)
    }

    @Test func catalogReportsAMissingThemeFolderEntryAsNothingAndKeepsDark() {
        let catalog = ThemeCatalog(searchPaths: ["/nonexistent-rill-themes", themesFolder])
        #expect(catalog.names.first == "dark")
        #expect(catalog.names.count == 4)
        #expect(catalog.diagnostics.isEmpty)
    }

    @Test func coloursDegradeTo256And8AndMonochrome() {
        // Pure cube colours map exactly; greys go to the grey ramp.
        #expect(ColorDepth.palette256.index(for: .rgb(0x5F, 0xAF, 0xFF)) == 75)
        #expect(ColorDepth.palette256.index(for: .rgb(0x1C, 0x1C, 0x1C)) == 234)
        #expect(ColorDepth.eight.index(for: .rgb(0xFF, 0x5F, 0x5F)) == 1)
        #expect(ColorDepth.eight.index(for: .rgb(0x5F, 0xD7, 0x5F)) == 2)
        #expect(ColorDepth.eight.index(for: .rgb(0x1C, 0x1C, 0x1C)) == 0)
        #expect(ColorDepth.eight.index(for: .ansi(12)) == 4)
        #expect(ColorDepth.sixteen.index(for: .rgb(0xFF, 0xFF, 0x00)) == 11)
        #expect(ColorDepth.monochrome.index(for: .rgb(1, 2, 3)) == nil)
        #expect(ColorDepth.from(hasColors: true, colors: 8) == .eight)
        #expect(ColorDepth.from(hasColors: false, colors: 256) == .monochrome)

        let dark = Theme.dark
        // On a colourless terminal the selection and the status bar are shown reversed.
        #expect(dark.resolve(.selected_fg, depth: .monochrome).attributes.contains(.reverse))
        #expect(dark.resolve(.status_bar_fg, depth: .monochrome).attributes.contains(.reverse))
        #expect(dark.resolve(.selected_fg, depth: .monochrome).foreground == nil)
        // On 8 colours, colours that collapse onto the background get the default colour and attributes.
        let border = dark.resolve(.pane_border, depth: .eight)
        #expect(border.foreground == -1 && border.background == -1 && border.attributes.contains(.dim))
        let selected = dark.resolve(.selected_fg, depth: .eight)
        #expect(selected.foreground != selected.background)
    }
}
