import EngineAPI

/// The torrent list: one row per torrent, sortable and filterable.
enum TorrentListPane {
    static let columns: [TableColumn] = [
        TableColumn(title: "#", width: 3, alignRight: true, priority: 2),
        TableColumn(title: "Name", width: 0, priority: 100),
        TableColumn(title: "Size", width: 6, alignRight: true, priority: 5),
        TableColumn(title: "Done", width: 13, priority: 9),
        TableColumn(title: "State", width: 12, priority: 10),
        TableColumn(title: "↓/s", width: 6, alignRight: true, priority: 8),
        TableColumn(title: "↑/s", width: 6, alignRight: true, priority: 8),
        TableColumn(title: "Seeds", width: 7, alignRight: true, priority: 4),
        TableColumn(title: "Peers", width: 7, alignRight: true, priority: 6),
        TableColumn(title: "Ratio", width: 5, alignRight: true, priority: 3),
        TableColumn(title: "ETA", width: 6, alignRight: true, priority: 7),
    ]

    static func sortColumnIndex(_ column: TorrentSortColumn) -> Int {
        switch column {
        case .queue: return 0
        case .name: return 1
        case .size: return 2
        case .progress: return 3
        case .state: return 4
        case .downloadRate: return 5
        case .uploadRate: return 6
        case .peers: return 8
        case .ratio: return 9
        case .eta: return 10
        }
    }

    static func render(_ state: UIState, into buffer: inout ScreenBuffer, rect: Rect, focused: Bool) {
        var title = "Torrents \(state.torrentOrder.count)"
        if state.torrentOrder.count != state.snapshot.torrents.count { title += "/\(state.snapshot.torrents.count)" }
        if !state.filter.text.isEmpty { title += " filter \"\(state.filter.text)\"" }
        title += " · by \(state.sortColumn.title)\(state.sortReversed ? " ▼" : "")"
        Draw.frame(rect, title: title, focused: focused, into: &buffer)
        let inner = rect.inner
        guard inner.height >= 1, inner.width >= 4 else { return }
        let table = TableLayout(columns, width: inner.width, flexMinimum: 14)
        table.drawHeader(row: inner.y, originX: inner.x, markedColumn: sortColumnIndex(state.sortColumn),
                         marker: state.sortReversed ? "▲" : "▼", into: &buffer)
        let visible = inner.height - 1
        guard visible > 0 else { return }
        if state.torrentOrder.isEmpty {
            let text = state.snapshot.torrents.isEmpty ? "No torrents — press a to add one" : "No torrent matches the filter"
            buffer.write(text, x: inner.x + 1, y: inner.y + 1, limit: inner.width - 1, role: .dim)
            return
        }
        let selected = state.selectedIndex ?? 0
        let offset = Scroll.offset(selected: selected, visibleRows: visible, count: state.torrentOrder.count)
        let end = min(state.torrentOrder.count, offset + visible)
        for position in offset..<end {
            let row = state.snapshot.torrents[state.torrentOrder[position]]
            let y = inner.y + 1 + position - offset
            drawRow(row, table: table, x: inner.x, y: y, into: &buffer)
            if position == selected { Draw.highlight(row: y, x: inner.x, width: inner.width, into: &buffer) }
        }
    }

    static func drawRow(_ row: TorrentSnapshot, table: TableLayout, x: Int, y: Int, into buffer: inout ScreenBuffer) {
        table.write("\(row.queuePosition + 1)", column: 0, row: y, originX: x, role: .dim, into: &buffer)
        if let frame = table.frame(1) {
            // "» name  #label": » marks sequential (streaming) order; labels follow, dimmed.
            var column = x + frame.x
            let end = column + frame.width
            if row.sequential {
                column += buffer.write(sequentialMark, x: column, y: y, limit: end - column, role: .hint_key)
            }
            column += buffer.write(row.name, x: column, y: y, limit: end - column, role: .text)
            if !row.labels.isEmpty, end - column > 2 {
                let tags = row.labels.map { "#" + $0 }.joined(separator: " ")
                buffer.write(" " + tags, x: column, y: y, limit: end - column, role: .dim)
            }
        }
        table.write(Format.bytes(row.totalSize), column: 2, row: y, originX: x, role: .text, into: &buffer)
        if let frame = table.frame(3) {
            let fraction: Double
            if case .checking(let progress) = row.phase { fraction = progress } else { fraction = row.progress }
            Draw.barWithPercent(fraction, x: x + frame.x, y: y, width: frame.width, role: .text, into: &buffer)
        }
        let (stateText, stateRole) = row.moveProgress.map { ("moving \(Format.percent($0))", .status_warn) }
            ?? row.phase.display
        table.write(stateText, column: 4, row: y, originX: x, role: stateRole, into: &buffer)
        table.write(Format.rate(row.downloadRate), column: 5, row: y, originX: x,
                    role: row.downloadRate >= 1 ? .graph_download : .dim, into: &buffer)
        table.write(Format.rate(row.uploadRate), column: 6, row: y, originX: x,
                    role: row.uploadRate >= 1 ? .graph_upload : .dim, into: &buffer)
        table.write(countText(row.seeds, row.swarmSeeds), column: 7, row: y, originX: x, role: .text, into: &buffer)
        table.write(countText(row.peers, row.swarmLeechers), column: 8, row: y, originX: x, role: .text, into: &buffer)
        table.write(Format.twoDecimals(row.ratio), column: 9, row: y, originX: x, role: .text, into: &buffer)
        let eta = row.phase == .downloading ? Format.duration(row.eta) : "-"
        table.write(eta, column: 10, row: y, originX: x, role: .text, into: &buffer)
    }

    /// Before the name of a torrent downloading in sequential (streaming) order.
    static let sequentialMark = "» "

    /// The help overlay's line for the marks in the list.
    static let legend = "Torrents: » sequential (streaming) order  #name its labels"

    /// "3(40)": connected, and in the swarm as the trackers report it.
    static func countText(_ connected: Int, _ swarm: Int?) -> String {
        guard let swarm else { return "\(connected)" }
        return "\(connected)(\(swarm))"
    }
}

extension TorrentPhase {
    /// The state column's word and its colour role.
    var display: (String, ThemeRole) {
        switch self {
        case .fetchingMetadata: return ("metadata", .status_warn)
        case .checking(let progress): return ("checking \(Format.percent(progress))", .status_warn)
        case .queued: return ("queued", .dim)
        case .downloading: return ("downloading", .status_ok)
        case .seeding: return ("seeding", .status_ok)
        case .finished: return ("finished", .text)
        case .paused: return ("paused", .dim)
        case .failed(let reason): return ("error: \(reason)", .status_error)
        }
    }
}
