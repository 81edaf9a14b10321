import Foundation
import Testing
import TestSupport

extension Interop {
    /// `rill demo` in a real terminal (tmux): every pane alive, keys work, and quitting restores
    /// the terminal with exit status 0 and no temporary files left behind.
    @Suite struct DemoTerminalTests {
        static let haveTmux = ExternalTool.toolsRequired || ExternalTool.find("tmux") != nil

        /// A detached tmux server of its own, so the test never touches the user's sessions.
        struct Tmux {
            let binary: String
            let socket = "rill-test-\(UInt32.random(in: 0...UInt32.max))"

            @discardableResult
            func run(_ arguments: [String]) throws -> ExternalTool.Output {
                try ExternalTool.run(binary, ["-L", socket, "-f", "/dev/null"] + arguments, timeout: 20)
            }

            /// Starts the server with the session. The server outlives the command, so it must not
            /// inherit any descriptor of ours (a pipe it held would never reach end-of-file): bash
            /// closes everything above 2 and then runs tmux with its output going nowhere.
            func start(width: Int, height: Int, command: String) throws {
                func quoted(_ text: String) -> String { "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'" }
                let line = [binary, "-L", socket, "-f", "/dev/null", "new-session", "-d", "-s", "demo",
                            "-x", String(width), "-y", String(height), command].map(quoted).joined(separator: " ")
                let script = "for fd in $(ls /proc/$$/fd); do [ \"$fd\" -gt 2 ] && eval \"exec $fd>&-\"; done; "
                    + "exec " + line + " </dev/null >/dev/null 2>&1"
                let started = try ExternalTool.run("/bin/bash", ["-c", script], timeout: 20)
                guard started.status == 0 else { throw ToolFailure("tmux did not start: \(started.stderr)") }
            }

            func screen() throws -> String { try run(["capture-pane", "-p", "-t", "demo"]).stdout }

            func keys(_ keys: String...) throws { try run(["send-keys", "-t", "demo"] + keys) }

            /// Polls the screen until `condition` holds, for at most `seconds`.
            func waitForScreen(_ seconds: Double, _ what: String, _ condition: (String) -> Bool) throws -> String {
                FileHandle.standardError.write(Data("demo test: waiting for \(what)\n".utf8))
                let deadline = Date().addingTimeInterval(seconds)
                var last = ""
                while Date() < deadline {
                    last = try screen()
                    if condition(last) { return last }
                    Thread.sleep(forTimeInterval: 0.25)
                }
                FileHandle.standardError.write(Data("demo test: never showed \(what); last screen:\n\(last)\n".utf8))
                Issue.record("screen never showed \(what) within \(seconds) s; last screen:\n\(last)")
                return last
            }

            func kill() { _ = try? run(["kill-server"]) }
        }

        static func hasBraille(_ text: String) -> Bool {
            text.unicodeScalars.contains { (0x2801...0x28FF).contains($0.value) }
        }

        /// The percentage shown in the demo torrent's row.
        static func progress(_ screen: String) -> Double? {
            for line in screen.split(separator: "\n") where line.contains("rill-demo-album") {
                let words = line.split(whereSeparator: { $0 == " " || $0 == "│" })
                if let percent = words.first(where: { $0.hasSuffix("%") }), let value = Double(percent.dropLast()) {
                    return value
                }
            }
            return nil
        }

        /// The torrent list's line for the torrent named `name`, or "" when it is not on screen.
        static func row(_ screen: String, _ name: String) -> String {
            screen.split(separator: "\n").first { $0.contains(name) }.map(String.init) ?? ""
        }

        /// The session's upload rate in the status bar ("↑ 170K/s" gives "170K").
        static func uploadRate(_ screen: String) -> String? {
            guard let arrow = screen.range(of: "↑ ", options: .backwards) else { return nil }
            let rest = screen[arrow.upperBound...]
            guard let end = rest.range(of: "/s") else { return nil }
            return String(rest[..<end.lowerBound])
        }

        /// Starts `rill demo --size 48` in `tmux` with its home and temporary folder in `dir`;
        /// returns the file where the exit status lands.
        static func launch(_ tmux: Tmux, width: Int, height: Int, dir: TemporaryDirectory) throws -> String {
            let status = dir.file("status")
            let command = "env RILL_HOME='\(dir.file("home"))' TMPDIR='\(dir.path)' LANG=C.UTF-8 '\(RillBinary.path)' "
                + "demo --size 48; echo \"exit=$?\" > '\(status)'; sleep 30"
            try tmux.start(width: width, height: height, command: command)
            return status
        }

        /// Quits with q (and y when asked), then checks the exit status, the normal screen, and
        /// that the demo's temporary files are gone.
        static func quitAndCheck(_ tmux: Tmux, status: String, dir: TemporaryDirectory) throws {
            try tmux.keys("q")
            if !FileManager.default.fileExists(atPath: status) {
                _ = try tmux.waitForScreen(10, "the quit question or the exit") {
                    $0.lowercased().contains("quit") || FileManager.default.fileExists(atPath: status)
                }
                if !FileManager.default.fileExists(atPath: status) { try tmux.keys("y") }
            }
            let deadline = Date().addingTimeInterval(20)
            while !FileManager.default.fileExists(atPath: status), Date() < deadline { Thread.sleep(forTimeInterval: 0.2) }
            let exit = (try? String(contentsOfFile: status, encoding: .utf8)) ?? "none"
            #expect(exit.trimmingCharacters(in: .whitespacesAndNewlines) == "exit=0")
            let alternate = try tmux.run(["display-message", "-p", "-t", "demo", "#{alternate_on}"]).stdout
            #expect(alternate.trimmingCharacters(in: .whitespacesAndNewlines) == "0", "the normal screen is back")
            let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasPrefix("rill-demo-") }
            #expect(leftovers.isEmpty, "the demo removes its temporary files")
        }

        /// Verified pieces as the Pieces pane counts them ("have 47/256").
        static func piecesHave(_ screen: String) -> Int? {
            var rest = screen[...]
            while let range = rest.range(of: "have ") {
                rest = rest[range.upperBound...]
                let digits = rest.prefix { $0.isNumber }
                if !digits.isEmpty, rest.dropFirst(digits.count).first == "/" { return Int(digits) }
            }
            return nil
        }

        @Test(.enabled(if: haveTmux, "tmux is not installed"), .timeLimit(.minutes(3)))
        func demoShowsEveryPaneRespondsToKeysAndQuitsCleanly() throws {
            let binary = try #require(ExternalTool.find("tmux"), "tmux is required")
            let dir = try TemporaryDirectory()
            defer { dir.remove() }
            let tmux = Tmux(binary: binary)
            defer { tmux.kill() }
            // A setting with a typo: the client starts anyway and says what it ignored.
            _ = try dir.write("home/config.toml", Array("colour = \"blue\"\n".utf8))
            let status = try Self.launch(tmux, width: 120, height: 40, dir: dir)

            // Every pane is there and alive: braille in the graph, pieces arriving.
            var screen = try tmux.waitForScreen(30, "the torrent and its peers") {
                $0.contains("rill-demo-album") && $0.contains("127.0.0.") && Self.progress($0) != nil
            }
            for title in ["Torrents", "Peers", "Pieces", "Speed"] {
                #expect(screen.contains(title), "the \(title) pane is shown")
            }
            #expect(screen.contains("unknown key 'colour'"), "the bad setting is reported on screen")
            screen = try tmux.waitForScreen(20, "braille in the speed graph") { Self.hasBraille($0) }
            let first = Self.progress(screen) ?? 0
            let firstPieces = Self.piecesHave(screen) ?? 0
            screen = try tmux.waitForScreen(30, "the progress growing and the bitmap filling") {
                (Self.progress($0) ?? 0) > first && (Self.piecesHave($0) ?? 0) > firstPieces
            }

            // The other detail panes: files with their priorities, trackers, and the engine's log.
            try tmux.keys("2")
            screen = try tmux.waitForScreen(10, "the Files pane") { $0.contains("booklet.pdf") && $0.contains("normal") }
            try tmux.keys("3")
            screen = try tmux.waitForScreen(10, "the Trackers pane") { $0.contains("Trackers") }
            try tmux.keys("4")
            screen = try tmux.waitForScreen(10, "the Log pane") { $0.contains("Added rill-demo-album") }
            try tmux.keys("1")

            // p pauses, p again resumes.
            try tmux.keys("p")
            screen = try tmux.waitForScreen(10, "the torrent paused") {
                Self.row($0, "rill-demo-album").contains("paused")
            }
            try tmux.keys("p")
            screen = try tmux.waitForScreen(10, "the torrent running again") {
                !Self.row($0, "rill-demo-album").contains("paused")
            }

            // ? opens the help, which lists the keys; any key closes it.
            try tmux.keys("?")
            screen = try tmux.waitForScreen(10, "the help overlay") { $0.contains("any key closes") && $0.contains("paused") }
            try tmux.keys("Escape")
            screen = try tmux.waitForScreen(10, "the help closed") { !$0.contains("any key closes") }

            // q asks while transfers are active; y confirms; the terminal comes back.
            try Self.quitAndCheck(tmux, status: status, dir: dir)
        }

        /// The demo is a small library: all six states on screen, and uploads moving, within 10 s.
        @Test(.enabled(if: haveTmux, "tmux is not installed"), .timeLimit(.minutes(2)))
        func demoLibraryShowsEveryStateAndUploadsWithinTenSeconds() throws {
            let binary = try #require(ExternalTool.find("tmux"), "tmux is required")
            let dir = try TemporaryDirectory()
            defer { dir.remove() }
            let tmux = Tmux(binary: binary)
            defer { tmux.kill() }
            let status = try Self.launch(tmux, width: 160, height: 48, dir: dir)
            let states = [("rill-demo-album", "downloading"), ("rill-demo-photos", "seeding"),
                          ("rill-demo-series", "downloading"), ("rill-demo-podcast", "queued"),
                          ("rill-demo-lectures", "paused"), ("rill-demo-live-set", "metadata")]
            let started = Date()
            var screen = try tmux.waitForScreen(10, "all six torrents in their states") { screen in
                states.allSatisfy { Self.row(screen, $0.0).contains($0.1) }
            }
            for (name, state) in states {
                #expect(Self.row(screen, name).contains(state), "\(name) is \(state)")
            }
            let left = max(1, 10 - Date().timeIntervalSince(started))
            screen = try tmux.waitForScreen(left, "a non-zero upload rate") { screen in
                guard let rate = Self.uploadRate(screen) else { return false }
                return rate != "0" && !rate.isEmpty
            }
            #expect(Date().timeIntervalSince(started) < 11)
            #expect(screen.contains("#skipped-file"), "the series carries its label")

            // The series skips its second episode: the Files pane says so.
            for _ in 0..<2 { try tmux.keys("j") }
            try tmux.keys("2")
            screen = try tmux.waitForScreen(10, "the skipped file") {
                $0.contains("e02 - Skipped.mkv") && $0.contains("skip")
            }
            // The photos go to the leechers: the Peers pane shows U (we upload to them).
            try tmux.keys("BTab")
            try tmux.keys("BTab")
            try tmux.keys("k")
            try tmux.keys("1")
            screen = try tmux.waitForScreen(10, "leechers we upload to") { screen in
                screen.split(separator: "\n").contains { line in
                    let words = line.split(whereSeparator: { $0 == " " || $0 == "│" })
                    guard let at = words.firstIndex(where: { $0.hasPrefix("demo-leech") }), at + 1 < words.count
                    else { return false }
                    return words[at + 1].contains("U")
                }
            }
            try Self.quitAndCheck(tmux, status: status, dir: dir)
        }

        @Test func withoutATerminalRillSaysSoInOneSentence() throws {
            let dir = try TemporaryDirectory()
            defer { dir.remove() }
            let output = try ExternalTool.run(RillBinary.path, [], environment: ["RILL_HOME": dir.path])
            #expect(output.status == 1)
            let lines = output.stderr.split(separator: "\n")
            #expect(lines.count == 1)
            #expect(output.stderr.contains("rill download"))
        }
    }
}
