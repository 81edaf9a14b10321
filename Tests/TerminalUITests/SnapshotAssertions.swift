import Foundation
import Testing
@testable import TerminalUI

/// Compares screen text with `Snapshots/<name>.txt`; with `RECORD_SNAPSHOTS=1` writes it instead.
func assertScreen(_ buffer: ScreenBuffer, matches name: String, sourceLocation: SourceLocation = #_sourceLocation) {
    let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Snapshots")
    let file = folder.appendingPathComponent("\(name).txt")
    let actual = buffer.text + "\n"
    if ProcessInfo.processInfo.environment["RECORD_SNAPSHOTS"] == "1" {
        try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try? actual.write(to: file, atomically: true, encoding: .utf8)
        return
    }
    guard let expected = try? String(contentsOf: file, encoding: .utf8) else {
        Issue.record("No snapshot \(name).txt; run with RECORD_SNAPSHOTS=1 to record it", sourceLocation: sourceLocation)
        return
    }
    if expected != actual {
        let expectedLines = expected.split(separator: "\n", omittingEmptySubsequences: false)
        let actualLines = actual.split(separator: "\n", omittingEmptySubsequences: false)
        var firstDifference = 0
        while firstDifference < min(expectedLines.count, actualLines.count),
              expectedLines[firstDifference] == actualLines[firstDifference] {
            firstDifference += 1
        }
        Issue.record("""
            Screen differs from \(name).txt at line \(firstDifference + 1):
            expected: \(firstDifference < expectedLines.count ? String(expectedLines[firstDifference]) : "<none>")
            actual:   \(firstDifference < actualLines.count ? String(actualLines[firstDifference]) : "<none>")
            """, sourceLocation: sourceLocation)
    }
}

/// Renders the whole screen of a controller.
func renderScreen(_ controller: UIController) -> ScreenBuffer {
    var buffer = ScreenBuffer(width: 0, height: 0)
    ScreenRenderer.render(controller.state, keyMap: controller.keyMap, into: &buffer)
    return buffer
}

/// The folder with the repository's `Themes`.
let themesFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("Themes").path
