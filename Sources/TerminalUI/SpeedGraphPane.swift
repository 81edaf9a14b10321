/// Braille graphs of download (upwards) and upload (downwards) history for the selected torrent
/// and the whole session, with the peak as the scale and a time axis.
enum SpeedGraphPane {
    static func render(_ state: UIState, into buffer: inout ScreenBuffer, rect: Rect, focused: Bool) {
        Draw.frame(rect, title: "Speed · last \(state.zoom.label) (z)", focused: focused, into: &buffer)
        let inner = rect.inner
        guard inner.height >= 2, inner.width >= 8 else { return }
        var graphs: [(String, RateHistory, Double, Double)] = []
        if let row = state.selectedRow, let history = state.history.torrents[row.id.hex] {
            graphs.append((row.name, history, row.downloadRate, row.uploadRate))
        }
        graphs.append(("Session", state.history.session, state.snapshot.downloadRate, state.snapshot.uploadRate))
        let axisRows = inner.height >= 5 ? 1 : 0
        var available = inner.height - axisRows
        // Each graph needs a label row and at least two graph rows; drop the torrent's graph when it can't fit.
        if available < 6, graphs.count == 2 { graphs.removeFirst() }
        var y = inner.y
        for (index, graph) in graphs.enumerated() {
            let rows = index == graphs.count - 1 ? available : available / 2
            drawGraph(graph, zoom: state.zoom, x: inner.x, y: y, width: inner.width, rows: rows, into: &buffer)
            y += rows
            available -= rows
        }
        if axisRows == 1 { drawAxis(zoom: state.zoom, x: inner.x, y: inner.maxY - 1, width: inner.width, into: &buffer) }
    }

    static func drawGraph(_ graph: (String, RateHistory, Double, Double), zoom: GraphZoom, x: Int, y: Int, width: Int,
                          rows: Int, into buffer: inout ScreenBuffer) {
        guard rows >= 1 else { return }
        let (name, history, downRate, upRate) = graph
        let down = columns(history.ring(zoom, upload: false), count: width * 2)
        let up = columns(history.ring(zoom, upload: true), count: width * 2)
        let downPeak = down.max() ?? 0
        let upPeak = up.max() ?? 0
        var used = buffer.write("↓", x: x, y: y, limit: width, role: .graph_download)
        used += buffer.write(Format.rate(downRate) + "/s ", x: x + used, y: y, limit: width - used, role: .text)
        used += buffer.write("↑", x: x + used, y: y, limit: width - used, role: .graph_upload)
        used += buffer.write(Format.rate(upRate) + "/s ", x: x + used, y: y, limit: width - used, role: .text)
        let peak = "max ↓\(Format.rate(Double(downPeak))) ↑\(Format.rate(Double(upPeak)))"
        let peakWidth = TextWidth.columns(of: peak)
        let nameRoom = width - used - peakWidth - 1
        if nameRoom >= 4 {
            used += buffer.write(name, x: x + used, y: y, limit: nameRoom, role: .pane_title)
        }
        if width - used > peakWidth {
            buffer.writeRight(peak, rightEdge: x + width, y: y, limit: peakWidth, role: .graph_axis)
        }
        let graphRows = rows - 1
        guard graphRows >= 1 else { return }
        if graphRows == 1 {
            plot(down, peak: downPeak, x: x, y: y + 1, rows: 1, upward: true, role: .graph_download, into: &buffer)
            return
        }
        let downRows = (graphRows + 1) / 2
        plot(down, peak: downPeak, x: x, y: y + 1, rows: downRows, upward: true, role: .graph_download, into: &buffer)
        plot(up, peak: upPeak, x: x, y: y + 1 + downRows, rows: graphRows - downRows, upward: false,
             role: .graph_upload, into: &buffer)
    }

    /// Averages the ring into `count` values, oldest first, spanning the whole ring.
    static func columns(_ ring: SampleRing, count: Int) -> [Float] {
        let capacity = ring.capacity
        var values = [Float](repeating: 0, count: count)
        for index in 0..<count {
            let newestAge = (count - 1 - index) * capacity / count
            let oldestAge = max(newestAge, (count - index) * capacity / count - 1)
            var sum: Float = 0
            for age in newestAge...oldestAge { sum += ring.value(age: age) }
            values[index] = sum / Float(oldestAge - newestAge + 1)
        }
        return values
    }

    private static let upwardLeft: [UInt32] = [0x40, 0x04, 0x02, 0x01]
    private static let upwardRight: [UInt32] = [0x80, 0x20, 0x10, 0x08]
    private static let downwardLeft: [UInt32] = [0x01, 0x02, 0x04, 0x40]
    private static let downwardRight: [UInt32] = [0x08, 0x10, 0x20, 0x80]

    /// Two samples per cell, four dot rows per cell row.
    static func plot(_ values: [Float], peak: Float, x: Int, y: Int, rows: Int, upward: Bool, role: ThemeRole,
                     into buffer: inout ScreenBuffer) {
        let dots = rows * 4
        func height(_ value: Float) -> Int {
            guard peak > 0, value > 0 else { return 0 }
            return max(1, min(dots, Int((value / peak * Float(dots)).rounded())))
        }
        let cellColumns = values.count / 2
        for column in 0..<cellColumns {
            let left = height(values[column * 2])
            let right = height(values[column * 2 + 1])
            for row in 0..<rows {
                let base = upward ? (rows - 1 - row) * 4 : row * 4
                let leftDots = min(4, max(0, left - base))
                let rightDots = min(4, max(0, right - base))
                var bits: UInt32 = 0
                for dot in 0..<leftDots { bits |= upward ? upwardLeft[dot] : downwardLeft[dot] }
                for dot in 0..<rightDots { bits |= upward ? upwardRight[dot] : downwardRight[dot] }
                let scalar: UInt32 = bits == 0 ? 0x20 : 0x2800 + bits
                buffer.put(scalar, x: x + column, y: y + row, role: role)
            }
        }
    }

    static func drawAxis(zoom: GraphZoom, x: Int, y: Int, width: Int, into buffer: inout ScreenBuffer) {
        let labels: [String]
        switch zoom {
        case .fiveMinutes: labels = ["-5m", "-4m", "-3m", "-2m", "-1m", "now"]
        case .thirtyMinutes: labels = ["-30m", "-24m", "-18m", "-12m", "-6m", "now"]
        case .twoHours: labels = ["-2h", "-96m", "-72m", "-48m", "-24m", "now"]
        }
        for column in 0..<width { buffer.put(0x2500, x: x + column, y: y, role: .graph_axis) }
        let steps = labels.count - 1
        // Keep only as many labels as fit with a gap between them.
        let stride = width >= steps * 8 ? 1 : (width >= steps * 4 ? (steps % 2 == 0 ? 2 : 5) : steps)
        for (index, label) in labels.enumerated() where index % stride == 0 || index == steps {
            let position = index * (width - 1) / steps
            let labelWidth = TextWidth.columns(of: label)
            let start = min(max(0, position - labelWidth / 2), width - labelWidth)
            if index == steps {
                buffer.writeRight(label, rightEdge: x + width, y: y, limit: labelWidth, role: .graph_axis)
            } else if index == 0 {
                buffer.write(label, x: x, y: y, limit: labelWidth, role: .graph_axis)
            } else {
                buffer.write(label, x: x + start, y: y, limit: labelWidth, role: .graph_axis)
            }
        }
    }
}
