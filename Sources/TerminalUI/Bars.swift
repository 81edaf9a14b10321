import EngineAPI

/// The status bar: the engine, global rates and limits, port, connections, free disk, DHT, and the last message.
enum StatusBar {
    static func render(_ state: UIState, into buffer: inout ScreenBuffer, rect: Rect) {
        buffer.fill(rect, role: .status_bar_bg)
        let s = state.snapshot
        var x = rect.x + 1
        let limit = rect.maxX
        func add(_ text: String, _ role: ThemeRole = .status_bar_fg) {
            guard x < limit else { return }
            x += buffer.write(text, x: x, y: rect.y, limit: limit - x, role: role)
        }
        // Which engine this is first: an attached client must never be mistaken for a local one.
        add(s.engineDescription, s.isAttached ? .hint_key : .status_bar_fg)
        add("  ↓", .hint_key)
        add(" \(Format.rate(s.downloadRate))/s")
        if let limit = s.downloadLimit { add(" [\(Format.limit(limit))]") }
        add("  ↑", .hint_key)
        add(" \(Format.rate(s.uploadRate))/s")
        if let limit = s.uploadLimit { add(" [\(Format.limit(limit))]") }
        add("  port \(s.listenPort)  conns \(s.connections)")
        if s.utpConnections > 0 { add(" (\(s.utpConnections) uTP)") }
        if let free = s.freeDiskSpace { add("  free \(Format.bytes(free))") }
        if let dht = s.dht { add("  DHT \(dht.nodes) nodes") }
        if let message = state.message {
            let role: ThemeRole = message.severity == .error ? .status_error
                : (message.severity == .warning ? .status_warn : .status_bar_fg)
            let room = limit - x - 3
            if room >= 8 {
                let width = min(room, TextWidth.columns(of: message.text))
                buffer.write(message.text, x: limit - 1 - width, y: rect.y, limit: width, role: role)
            }
        }
    }
}

/// The bottom line: key hints from the key map, or the prompt / filter being edited.
enum HintBar {
    static func render(_ state: UIState, keyMap: KeyMap, into buffer: inout ScreenBuffer, rect: Rect) {
        buffer.fill(rect, role: .status_bar_bg)
        switch state.mode {
        case .prompt(let prompt):
            var extra = ""
            if prompt.takesRates {
                if let limits = try? RateLimitParser.parse(prompt.editor.text) {
                    extra = "  → ↓ \(Format.limit(limits.download))/s ↑ \(Format.limit(limits.upload))/s"
                } else {
                    extra = "  → ?"
                }
            }
            editLine(label: prompt.label, editor: prompt.editor, trailer: extra + "  (Enter ok, Esc cancel)",
                     rect: rect, into: &buffer)
        case .filtering:
            editLine(label: "Filter: ", editor: state.filter, trailer: "  (Enter keep, Esc clear)", rect: rect,
                     into: &buffer)
        default:
            var x = rect.x
            for binding in keyMap.hints {
                guard let hint = binding.hint else { continue }
                let needed = TextWidth.columns(of: binding.keyLabel) + 1 + TextWidth.columns(of: hint) + 1
                guard x + needed <= rect.maxX else { break }
                x += buffer.write(binding.keyLabel, x: x, y: rect.y, limit: rect.maxX - x, role: .hint_key)
                x += buffer.write(hint, x: x, y: rect.y, limit: rect.maxX - x, role: .hint_text)
                x += 1
            }
        }
    }

    static func editLine(label: String, editor: LineEditor, trailer: String, rect: Rect, into buffer: inout ScreenBuffer) {
        var x = rect.x
        x += buffer.write(label, x: x, y: rect.y, limit: rect.width, role: .hint_key)
        let room = rect.maxX - x - 1
        guard room > 0 else { return }
        // Scroll the text so the cursor stays visible.
        let characters = editor.characters
        let first = max(0, editor.cursor - room + 1)
        var column = x
        for index in first..<characters.count {
            guard column < rect.maxX - 1 else { break }
            let text = String(characters[index])
            column += buffer.write(text, x: column, y: rect.y, limit: rect.maxX - column,
                                   role: index == editor.cursor ? .selected_fg : .status_bar_fg)
        }
        if editor.cursor >= characters.count, column < rect.maxX {
            buffer.put(0x20, x: column, y: rect.y, role: .selected_fg)
            column += 1
        }
        if column + 2 < rect.maxX {
            buffer.write(trailer, x: column, y: rect.y, limit: rect.maxX - column, role: .hint_text)
        }
    }
}

/// Help, the remove dialog, and the quit question, drawn over the panes.
enum Overlays {
    static func centered(width: Int, height: Int, in bounds: Rect) -> Rect {
        let w = min(width, bounds.width)
        let h = min(height, bounds.height)
        return Rect(x: bounds.x + (bounds.width - w) / 2, y: bounds.y + (bounds.height - h) / 2, width: w, height: h)
    }

    static func dialogBox(_ rect: Rect, title: String, into buffer: inout ScreenBuffer) {
        buffer.fill(rect, role: .dialog_bg)
        buffer.drawBox(rect, title: title, border: .dialog_fg, titleRole: .dialog_fg)
    }

    static func help(keyMap: KeyMap, into buffer: inout ScreenBuffer, bounds: Rect) {
        let lines = keyMap.bindings.map { ($0.keyLabel, $0.action.helpText) }
        let legend = [TorrentListPane.legend] + PeerFlags.legend
        let keyWidth = lines.map { TextWidth.columns(of: $0.0) }.max() ?? 4
        let oneColumnWidth = keyWidth + 2 + (lines.map { TextWidth.columns(of: $0.1) }.max() ?? 10)
        let available = bounds.height - 2
        let twoColumns = lines.count + legend.count + 3 > available
        let rowsNeeded = twoColumns ? (lines.count + 1) / 2 : lines.count
        let width = min(bounds.width, twoColumns ? bounds.width : max(oneColumnWidth, 66) + 4)
        let height = min(bounds.height, rowsNeeded + legend.count + 4)
        let rect = centered(width: width, height: height, in: bounds)
        dialogBox(rect, title: "Help — any key closes", into: &buffer)
        let inner = rect.inner
        let columnWidth = twoColumns ? inner.width / 2 : inner.width
        for (index, line) in lines.enumerated() {
            let column = twoColumns ? index / rowsNeeded : 0
            let row = twoColumns ? index % rowsNeeded : index
            guard row < inner.height else { continue }
            let x = inner.x + 1 + column * columnWidth
            let y = inner.y + row
            buffer.write(line.0, x: x, y: y, limit: keyWidth, role: .hint_key)
            buffer.write(line.1, x: x + keyWidth + 1, y: y, limit: columnWidth - keyWidth - 2, role: .dialog_fg)
        }
        for (index, text) in legend.enumerated() {
            let y = inner.y + rowsNeeded + 1 + index
            guard y < inner.maxY else { break }
            buffer.write(text, x: inner.x + 1, y: y, limit: inner.width - 2, role: .dialog_fg)
        }
    }

    static func remove(_ dialog: RemoveDialog, into buffer: inout ScreenBuffer, bounds: Rect) {
        let rect = centered(width: 58, height: 7, in: bounds)
        dialogBox(rect, title: "Remove torrent", into: &buffer)
        let inner = rect.inner
        guard inner.height >= 3 else { return }
        buffer.write("Remove \"\(dialog.name)\"?", x: inner.x + 1, y: inner.y, limit: inner.width - 2, role: .dialog_fg)
        var x = inner.x + 1
        x += buffer.write("[ Keep data ]", x: x, y: inner.y + 2, limit: inner.maxX - x,
                          role: dialog.deleteData ? .dialog_fg : .selected_fg) + 2
        buffer.write("[ Delete data too ]", x: x, y: inner.y + 2, limit: inner.maxX - x,
                     role: dialog.deleteData ? .selected_fg : .dialog_fg)
        if inner.height >= 5 {
            buffer.write("←/→ choose · Enter ok · D delete data · Esc cancel", x: inner.x + 1, y: inner.y + 4,
                         limit: inner.width - 2, role: .dialog_fg)
        }
    }

    static func confirmQuit(into buffer: inout ScreenBuffer, bounds: Rect) {
        let rect = centered(width: 50, height: 5, in: bounds)
        dialogBox(rect, title: "Quit", into: &buffer)
        let inner = rect.inner
        buffer.write("Torrents are still transferring.", x: inner.x + 1, y: inner.y, limit: inner.width - 2,
                     role: .dialog_fg)
        if inner.height >= 3 {
            buffer.write("Quit anyway? y quits, any other key stays.", x: inner.x + 1, y: inner.y + 2,
                         limit: inner.width - 2, role: .dialog_fg)
        }
    }
}
