import EngineAPI

/// "Why is it slow?": a box over the screen naming the selected torrent's bottleneck in one
/// sentence, with the engine's evidence below it. Any key closes it; it follows the live snapshot.
enum DiagnosisView {
    static func render(_ state: UIState, into buffer: inout ScreenBuffer, bounds: Rect) {
        let width = min(bounds.width, max(40, min(96, bounds.width - 8)))
        let textWidth = max(10, width - 4)
        var lines: [(String, ThemeRole)] = []
        if let row = state.selectedRow { lines.append((row.name, .pane_title)) }
        if let diagnosis = state.selectedDetail?.diagnosis {
            lines += wrap(diagnosis.sentence, width: textWidth).map { ($0, .dialog_fg) }
            if !diagnosis.evidence.isEmpty {
                lines.append(("", .dialog_fg))
                for item in diagnosis.evidence {
                    lines += wrap("· " + item, width: textWidth, indent: "  ").map { ($0, .dim) }
                }
            }
        } else {
            lines.append(("Waiting for details…", .dim))
        }
        let height = min(bounds.height, lines.count + 2)
        let rect = Overlays.centered(width: width, height: height, in: bounds)
        Overlays.dialogBox(rect, title: "Why is it slow? — any key closes", into: &buffer)
        let inner = rect.inner
        for (index, line) in lines.enumerated() where index < inner.height {
            buffer.write(line.0, x: inner.x + 1, y: inner.y + index, limit: inner.width - 2, role: line.1)
        }
    }

    /// Splits `text` at spaces into lines of at most `width` columns (a longer word is cut by the
    /// writer); continuation lines start with `indent`.
    static func wrap(_ text: String, width: Int, indent: String = "") -> [String] {
        var lines: [String] = []
        var current = ""
        for word in text.split(separator: " ", omittingEmptySubsequences: true) {
            let candidate = current.isEmpty ? String(word) : current + " " + word
            if TextWidth.columns(of: candidate) <= width || current.isEmpty {
                current = candidate
            } else {
                lines.append(current)
                current = indent + word
            }
        }
        if !current.isEmpty { lines.append(current) }
        return lines
    }
}
