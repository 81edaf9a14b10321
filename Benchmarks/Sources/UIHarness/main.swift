import EngineAPI
import Foundation
import TerminalUI

// Usage: UIHarness [--torrents N] [--peers N] [--idle] [--themes DIR] [--theme NAME] [--seconds S]
// Runs the full-screen UI against a synthetic engine; q quits. Prints frames drawn on exit.
var torrents = 100
var peers = 40
var idle = false
var themes = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Themes").path
var theme: String?
var seconds: Double?
var arguments = CommandLine.arguments.dropFirst().makeIterator()
while let argument = arguments.next() {
    switch argument {
    case "--torrents": torrents = Int(arguments.next() ?? "") ?? torrents
    case "--peers": peers = Int(arguments.next() ?? "") ?? peers
    case "--idle": idle = true
    case "--themes": themes = arguments.next() ?? themes
    case "--theme": theme = arguments.next()
    case "--seconds": seconds = Double(arguments.next() ?? "")
    default: break
    }
}

if let problem = TerminalCheck.problem() {
    FileHandle.standardError.write(Data("\(problem)\n".utf8))
    exit(1)
}
let engine = SyntheticEngine(torrents: torrents, peers: peers, idle: idle)
let app = TerminalApp(engine: engine, options: TerminalUIOptions(themeName: theme, themeSearchPaths: [themes]))
let deadline = seconds.map { Date().addingTimeInterval($0) }
do {
    try app.run(shouldStop: { deadline.map { Date() > $0 } ?? false })
} catch {
    FileHandle.standardError.write(Data("\(error)\n".utf8))
    exit(1)
}
for diagnostic in app.themeDiagnostics { print(diagnostic) }
print("frames rendered: \(app.framesRendered)")
