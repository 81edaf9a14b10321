/// One column of a table pane: fixed width (or 0 for the flexible one), alignment, and how much
/// it matters when the pane is too narrow for all columns (higher stays longer).
struct TableColumn {
    var title: String
    var width: Int
    var alignRight = false
    var priority: Int
}

/// Column positions for a given width: drops the least important columns until the rest fit.
struct TableLayout {
    var columns: [TableColumn]
    /// For each column in `columns`: its x offset and width, or nil when dropped.
    var frames: [(x: Int, width: Int)?]

    init(_ columns: [TableColumn], width: Int, flexMinimum: Int) {
        self.columns = columns
        var keep = Array(repeating: true, count: columns.count)
        func needed() -> Int {
            var total = 0
            var kept = 0
            for (index, column) in columns.enumerated() where keep[index] {
                total += column.width == 0 ? flexMinimum : column.width
                kept += 1
            }
            return total + max(0, kept - 1)
        }
        let order = columns.indices.filter { columns[$0].width > 0 }.sorted { columns[$0].priority < columns[$1].priority }
        var next = 0
        while needed() > width, next < order.count {
            keep[order[next]] = false
            next += 1
        }
        var fixed = 0
        var kept = 0
        for (index, column) in columns.enumerated() where keep[index] {
            fixed += column.width
            kept += 1
        }
        let flexWidth = max(0, width - fixed - max(0, kept - 1))
        var x = 0
        var frames: [(x: Int, width: Int)?] = []
        for (index, column) in columns.enumerated() {
            guard keep[index] else {
                frames.append(nil)
                continue
            }
            let w = column.width == 0 ? flexWidth : column.width
            frames.append((x, w))
            x += w + 1
        }
        self.frames = frames
    }

    /// Writes `text` in column `index` of a row.
    func write(_ text: String, column index: Int, row y: Int, originX: Int, role: ThemeRole, into buffer: inout ScreenBuffer) {
        guard let frame = frames[index], frame.width > 0 else { return }
        if columns[index].alignRight {
            buffer.writeRight(text, rightEdge: originX + frame.x + frame.width, y: y, limit: frame.width, role: role)
        } else {
            buffer.write(text, x: originX + frame.x, y: y, limit: frame.width, role: role)
        }
    }

    func frame(_ index: Int) -> (x: Int, width: Int)? { frames[index] }

    /// The header row; `marker` is appended to the title of column `markedColumn`.
    func drawHeader(row y: Int, originX: Int, markedColumn: Int? = nil, marker: String = "", into buffer: inout ScreenBuffer) {
        for index in columns.indices {
            let title = index == markedColumn ? columns[index].title + marker : columns[index].title
            write(title, column: index, row: y, originX: originX, role: .header, into: &buffer)
        }
    }
}

/// Small drawing helpers shared by panes.
enum Draw {
    /// A progress bar with eighth-block precision, then nothing else; `width` cells.
    static func bar(_ fraction: Double, x: Int, y: Int, width: Int, into buffer: inout ScreenBuffer) {
        guard width > 0 else { return }
        let clamped = min(1, max(0, fraction.isFinite ? fraction : 0))
        let eighths = Int((clamped * Double(width * 8)).rounded(.down))
        for column in 0..<width {
            let filled = eighths - column * 8
            if filled >= 8 {
                buffer.put(0x2588, x: x + column, y: y, role: .progress_done)
            } else if filled > 0 {
                buffer.put(0x2590 - UInt32(filled), x: x + column, y: y, role: .progress_done)
            } else {
                buffer.put(0x2591, x: x + column, y: y, role: .progress_todo)
            }
        }
    }

    /// A bar followed by a right-aligned percentage, filling `width`.
    static func barWithPercent(_ fraction: Double, x: Int, y: Int, width: Int, role: ThemeRole,
                               into buffer: inout ScreenBuffer) {
        guard width >= 6 else {
            buffer.writeRight(Format.percent(fraction), rightEdge: x + width, y: y, limit: width, role: role)
            return
        }
        bar(fraction, x: x, y: y, width: width - 5, into: &buffer)
        buffer.writeRight(Format.percent(fraction), rightEdge: x + width, y: y, limit: 4, role: role)
    }

    /// A pane frame whose border shows focus.
    static func frame(_ rect: Rect, title: String, focused: Bool, into buffer: inout ScreenBuffer) {
        buffer.drawBox(rect, title: title, border: focused ? .pane_border_focused : .pane_border,
                       titleRole: .pane_title)
    }

    /// Paints a row's cells with the selection role, keeping bars' own colours.
    static func highlight(row y: Int, x: Int, width: Int, into buffer: inout ScreenBuffer) {
        for column in x..<(x + width) where column < buffer.width {
            let role = buffer[column, y].role
            if role != .progress_done && role != .progress_todo { buffer.paint(x: column, y: y, role: .selected_fg) }
        }
    }
}
