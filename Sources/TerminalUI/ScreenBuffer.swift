/// One terminal cell: a character (0 marks the right half of a wide character) and its role.
public struct Cell: Equatable, Sendable {
    public var scalar: UInt32
    public var role: ThemeRole

    public init(scalar: UInt32, role: ThemeRole) {
        self.scalar = scalar
        self.role = role
    }

    public static let blank = Cell(scalar: 0x20, role: .background)
}

/// A frame of cells that panes draw into; the terminal flushes a finished buffer at once.
public struct ScreenBuffer: Sendable, Equatable {
    public private(set) var width: Int
    public private(set) var height: Int
    public private(set) var cells: [Cell]

    public init(width: Int, height: Int) {
        self.width = max(0, width)
        self.height = max(0, height)
        cells = Array(repeating: .blank, count: self.width * self.height)
    }

    public var bounds: Rect { Rect(x: 0, y: 0, width: width, height: height) }

    public subscript(x: Int, y: Int) -> Cell {
        get { cells[y * width + x] }
        set { cells[y * width + x] = newValue }
    }

    /// Resets every cell to a blank in `role`, resizing when needed.
    public mutating func reset(width newWidth: Int, height newHeight: Int, role: ThemeRole = .background) {
        if newWidth != width || newHeight != height {
            width = max(0, newWidth)
            height = max(0, newHeight)
            cells = Array(repeating: Cell(scalar: 0x20, role: role), count: width * height)
        } else {
            let blank = Cell(scalar: 0x20, role: role)
            for index in cells.indices { cells[index] = blank }
        }
    }

    /// Sets one cell, ignoring positions outside the buffer.
    @inline(__always)
    public mutating func put(_ scalar: UInt32, x: Int, y: Int, role: ThemeRole) {
        guard x >= 0, y >= 0, x < width, y < height else { return }
        cells[y * width + x] = Cell(scalar: scalar, role: role)
    }

    /// Changes the role of a cell without touching its character.
    public mutating func paint(x: Int, y: Int, role: ThemeRole) {
        guard x >= 0, y >= 0, x < width, y < height else { return }
        cells[y * width + x].role = role
    }

    public mutating func fill(_ rect: Rect, scalar: UInt32 = 0x20, role: ThemeRole) {
        let clipped = clip(rect)
        guard !clipped.isEmpty else { return }
        let cell = Cell(scalar: scalar, role: role)
        for row in clipped.y..<clipped.maxY {
            let base = row * width
            for column in clipped.x..<clipped.maxX { cells[base + column] = cell }
        }
    }

    /// Writes `text` at `x`,`y`, never past `limit` columns; a text that does not fit ends in "…".
    /// Returns the number of columns used.
    @discardableResult
    public mutating func write(_ text: String, x: Int, y: Int, limit: Int, role: ThemeRole) -> Int {
        guard limit > 0, y >= 0, y < height else { return 0 }
        let needed = TextWidth.columns(of: text)
        let truncate = needed > limit
        let budget = truncate ? limit - 1 : limit
        var column = 0
        for scalar in text.unicodeScalars {
            let w = TextWidth.columns(of: scalar)
            if w == 0 { continue }
            if column + w > budget { break }
            put(scalar.value, x: x + column, y: y, role: role)
            if w == 2 { put(0, x: x + column + 1, y: y, role: role) }
            column += w
        }
        if truncate {
            put(0x2026, x: x + column, y: y, role: role)
            column += 1
        }
        return column
    }

    /// Writes `text` so that it ends at column `rightEdge` (exclusive); returns the columns used.
    @discardableResult
    public mutating func writeRight(_ text: String, rightEdge: Int, y: Int, limit: Int, role: ThemeRole) -> Int {
        let used = min(TextWidth.columns(of: text), limit)
        return write(text, x: rightEdge - used, y: y, limit: limit, role: role)
    }

    /// Draws a single-line box around `rect` with `title` in the top border.
    public mutating func drawBox(_ rect: Rect, title: String, border: ThemeRole, titleRole: ThemeRole) {
        guard rect.width >= 2, rect.height >= 2 else { return }
        let right = rect.maxX - 1
        let bottom = rect.maxY - 1
        for column in (rect.x + 1)..<right {
            put(0x2500, x: column, y: rect.y, role: border)
            put(0x2500, x: column, y: bottom, role: border)
        }
        for row in (rect.y + 1)..<bottom {
            put(0x2502, x: rect.x, y: row, role: border)
            put(0x2502, x: right, y: row, role: border)
        }
        put(0x250C, x: rect.x, y: rect.y, role: border)
        put(0x2510, x: right, y: rect.y, role: border)
        put(0x2514, x: rect.x, y: bottom, role: border)
        put(0x2518, x: right, y: bottom, role: border)
        if !title.isEmpty, rect.width > 4 {
            put(0x20, x: rect.x + 1, y: rect.y, role: border)
            let used = write(title, x: rect.x + 2, y: rect.y, limit: rect.width - 4, role: titleRole)
            put(0x20, x: rect.x + 2 + used, y: rect.y, role: border)
        }
    }

    public func clip(_ rect: Rect) -> Rect {
        let x0 = max(0, rect.x), y0 = max(0, rect.y)
        let x1 = min(width, rect.maxX), y1 = min(height, rect.maxY)
        return Rect(x: x0, y: y0, width: x1 - x0, height: y1 - y0)
    }

    /// The characters of one row, trailing spaces removed.
    public func line(_ row: Int) -> String {
        var scalars = String.UnicodeScalarView()
        for column in 0..<width {
            let value = cells[row * width + column].scalar
            if value == 0 { continue }
            scalars.append(Unicode.Scalar(value) ?? " ")
        }
        var text = String(scalars)
        while text.last == " " { text.removeLast() }
        return text
    }

    /// The whole grid as text, one line per row: what screen snapshots compare.
    public var text: String {
        (0..<height).map { line($0) }.joined(separator: "\n")
    }
}
