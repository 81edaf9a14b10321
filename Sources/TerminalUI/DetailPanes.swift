import EngineAPI

/// The tab strip in the full layout's detail slot: "1 Peers │ 2 Files │ 3 Trackers │ 4 Log".
enum TabStrip {
    static let tabs: [PaneID] = [.peers, .files, .trackers, .log]

    static func label(_ pane: PaneID) -> String {
        "\((tabs.firstIndex(of: pane) ?? 0) + 1) \(pane.title)"
    }

    /// The tab under a column counted from the start of the strip.
    static func tab(atColumn column: Int) -> PaneID? {
        var x = 0
        for pane in tabs {
            let width = TextWidth.columns(of: label(pane))
            if column >= x && column < x + width { return pane }
            x += width + 3
        }
        return nil
    }

    /// Draws the frame with the strip as its title; the active tab is highlighted.
    static func frame(_ rect: Rect, active: PaneID, focused: Bool, into buffer: inout ScreenBuffer) {
        Draw.frame(rect, title: "", focused: focused, into: &buffer)
        guard rect.width > 6 else { return }
        buffer.put(0x20, x: rect.x + 1, y: rect.y, role: .pane_border)
        var x = rect.x + 2
        let limit = rect.maxX - 2
        for (index, pane) in tabs.enumerated() {
            if index > 0 {
                x += buffer.write(" │ ", x: x, y: rect.y, limit: limit - x, role: .pane_border)
            }
            x += buffer.write(label(pane), x: x, y: rect.y, limit: limit - x,
                              role: pane == active ? .pane_title : .dim)
            guard x < limit else { return }
        }
        if x < limit { buffer.put(0x20, x: x, y: rect.y, role: .pane_border) }
    }
}

/// Connected peers of the selected torrent, fastest first.
enum PeersPane {
    static let columns: [TableColumn] = [
        TableColumn(title: "Address", width: 0, priority: 100),
        TableColumn(title: "Client", width: 12, priority: 5),
        TableColumn(title: "Flags", width: 8, priority: 9),
        TableColumn(title: "↓/s", width: 6, alignRight: true, priority: 8),
        TableColumn(title: "↑/s", width: 6, alignRight: true, priority: 8),
        TableColumn(title: "Has", width: 4, alignRight: true, priority: 6),
        TableColumn(title: "Req", width: 3, alignRight: true, priority: 4),
        TableColumn(title: "Source", width: 8, priority: 3),
    ]

    static func render(_ state: UIState, into buffer: inout ScreenBuffer, rect: Rect, focused: Bool, tabbed: Bool) {
        let count = state.peerOrder.count
        DetailTable.render(state, pane: .peers, title: "Peers \(count)", columns: columns, flexMinimum: 15,
                           count: count, none: "No peers connected", selected: state.selectedPeer,
                           into: &buffer, rect: rect, focused: focused, tabbed: tabbed) { detail, table, position, y, buffer in
            let peer = detail.peers[state.peerOrder[position]]
            let x = rect.inner.x
            let address = peer.flags.contains(.webSeed)
                ? shortened(url: peer.address, width: table.frame(0)?.width ?? 0) : peer.address
            table.write(address, column: 0, row: y, originX: x, role: .text, into: &buffer)
            table.write(peer.client, column: 1, row: y, originX: x, role: .dim, into: &buffer)
            table.write(peer.flags.compact, column: 2, row: y, originX: x, role: .text, into: &buffer)
            table.write(Format.rate(peer.downloadRate), column: 3, row: y, originX: x,
                        role: peer.downloadRate >= 1 ? .graph_download : .dim, into: &buffer)
            table.write(Format.rate(peer.uploadRate), column: 4, row: y, originX: x,
                        role: peer.uploadRate >= 1 ? .graph_upload : .dim, into: &buffer)
            table.write(Format.percent(peer.progress), column: 5, row: y, originX: x, role: .text, into: &buffer)
            table.write(peer.requestsInFlight.map { "\($0)" } ?? "?", column: 6, row: y, originX: x, role: .text,
                        into: &buffer)
            table.write(peer.source, column: 7, row: y, originX: x, role: .dim, into: &buffer)
        }
    }

    /// A web seed's URL for a column `width` wide: without its scheme, and when still too long,
    /// the host's end and the file's name kept with "…" between (both say most about the mirror).
    static func shortened(url: String, width: Int) -> String {
        var text = Substring(url)
        for scheme in ["https://", "http://"] where text.lowercased().hasPrefix(scheme) {
            text = text.dropFirst(scheme.count)
        }
        guard width > 0, text.count > width else { return String(text) }
        guard width > 2 else { return String(text.prefix(width)) }
        let tail = (width - 1) / 2
        return String(text.prefix(width - 1 - tail)) + "…" + String(text.suffix(tail))
    }

    static func emptyLine(_ state: UIState, _ inner: Rect, _ buffer: inout ScreenBuffer) {
        guard inner.height >= 2 else { return }
        let text = state.selectedTorrent == nil ? "No torrent selected" : "Waiting for details…"
        buffer.write(text, x: inner.x + 1, y: inner.y + 1, limit: inner.width - 1, role: .dim)
    }
}

extension PeerFlags {
    /// Eight fixed positions, "." when unset:
    /// D/d we download (d: interested but choked) · U/u we upload (u: it is interested but choked) ·
    /// S snubbed · I incoming (W: a web seed) · O optimistic unchoke · E encrypted · F the peer is a seed ·
    /// P over uTP (µTP, BEP 29; "." is TCP), the letter libtorrent's client_test uses.
    public var compact: String {
        var text = ""
        if contains(.weAreInterested) { text += contains(.peerChokes) ? "d" : "D" } else { text += "." }
        if contains(.peerInterested) { text += contains(.weChoke) ? "u" : "U" } else { text += "." }
        text += contains(.snubbed) ? "S" : "."
        text += contains(.webSeed) ? "W" : contains(.incoming) ? "I" : "."
        text += contains(.optimistic) ? "O" : "."
        text += contains(.encrypted) ? "E" : "."
        text += contains(.seed) ? "F" : "."
        text += contains(.utp) ? "P" : "."
        return text
    }

    /// The legend for the help overlay.
    public static let legend = [
        "Peer flags: D downloading from it (d: interested, choked by it)",
        "U uploading to it (u: it is interested, we choke it)  S snubbed",
        "I incoming  W web seed  O optimistic unchoke  E encrypted  F seed  P uTP",
    ]
}

/// Files of the selected torrent with their progress and priority.
enum FilesPane {
    static let columns: [TableColumn] = [
        TableColumn(title: "Prio", width: 6, priority: 9),
        TableColumn(title: "Done", width: 11, priority: 8),
        TableColumn(title: "Size", width: 6, alignRight: true, priority: 7),
        TableColumn(title: "Path", width: 0, priority: 100),
    ]

    static func render(_ state: UIState, into buffer: inout ScreenBuffer, rect: Rect, focused: Bool, tabbed: Bool) {
        let count = state.selectedDetail?.files.count ?? 0
        DetailTable.render(state, pane: .files, title: "Files \(count)", columns: columns, flexMinimum: 12,
                           count: count, none: nil, selected: state.selectedFile,
                           into: &buffer, rect: rect, focused: focused, tabbed: tabbed) { detail, table, position, y, buffer in
            let file = detail.files[position]
            let x = rect.inner.x
            table.write(file.priority.name, column: 0, row: y, originX: x,
                        role: file.priority == .skip ? .dim : (file.priority == .high ? .status_warn : .text),
                        into: &buffer)
            if let frame = table.frame(1) {
                Draw.barWithPercent(file.progress, x: x + frame.x, y: y, width: frame.width, role: .text,
                                    into: &buffer)
            }
            table.write(Format.bytes(file.size), column: 2, row: y, originX: x, role: .text, into: &buffer)
            table.write(file.path, column: 3, row: y, originX: x,
                        role: file.priority == .skip ? .dim : .text, into: &buffer)
        }
    }
}

extension FilePriority {
    var name: String {
        switch self {
        case .skip: return "skip"
        case .low: return "low"
        case .normal: return "normal"
        case .high: return "high"
        }
    }
}

/// Trackers of the selected torrent.
enum TrackersPane {
    static let columns: [TableColumn] = [
        TableColumn(title: "Tier", width: 4, alignRight: true, priority: 4),
        TableColumn(title: "URL", width: 0, priority: 100),
        TableColumn(title: "Status", width: 10, priority: 9),
        TableColumn(title: "Seed/Leech", width: 10, alignRight: true, priority: 6),
        TableColumn(title: "Next", width: 6, alignRight: true, priority: 7),
        TableColumn(title: "Last error", width: 22, priority: 8),
    ]

    static func render(_ state: UIState, into buffer: inout ScreenBuffer, rect: Rect, focused: Bool, tabbed: Bool) {
        let count = state.selectedDetail?.trackers.count ?? 0
        DetailTable.render(state, pane: .trackers, title: "Trackers \(count)", columns: columns, flexMinimum: 16,
                           count: count, none: "No trackers (DHT and PEX only)", selected: state.selectedTracker,
                           into: &buffer, rect: rect, focused: focused, tabbed: tabbed) { detail, table, position, y, buffer in
            let tracker = detail.trackers[position]
            let x = rect.inner.x
            table.write("\(tracker.tier)", column: 0, row: y, originX: x, role: .dim, into: &buffer)
            table.write(tracker.url, column: 1, row: y, originX: x, role: .text, into: &buffer)
            table.write(tracker.status, column: 2, row: y, originX: x,
                        role: tracker.lastError == nil ? .status_ok : .status_warn, into: &buffer)
            let swarm = "\(tracker.seeders.map(String.init) ?? "-")/\(tracker.leechers.map(String.init) ?? "-")"
            table.write(swarm, column: 3, row: y, originX: x, role: .text, into: &buffer)
            table.write(Format.duration(tracker.nextAnnounce), column: 4, row: y, originX: x, role: .text,
                        into: &buffer)
            table.write(tracker.lastError ?? "", column: 5, row: y, originX: x, role: .status_error, into: &buffer)
        }
    }
}

/// What the peers, files and trackers tables share: the frame (or tab strip), the header, the
/// line shown while there is nothing to list, scrolling to the selection and its highlight.
enum DetailTable {
    static func render(_ state: UIState, pane: PaneID, title: String, columns: [TableColumn], flexMinimum: Int,
                       count: Int, none: String?, selected: Int, into buffer: inout ScreenBuffer, rect: Rect,
                       focused: Bool, tabbed: Bool,
                       row drawRow: (TorrentDetail, TableLayout, _ position: Int, _ y: Int, inout ScreenBuffer) -> Void) {
        if tabbed {
            TabStrip.frame(rect, active: pane, focused: focused, into: &buffer)
        } else {
            Draw.frame(rect, title: title, focused: focused, into: &buffer)
        }
        let inner = rect.inner
        guard inner.height >= 1, inner.width >= 4 else { return }
        let table = TableLayout(columns, width: inner.width, flexMinimum: flexMinimum)
        table.drawHeader(row: inner.y, originX: inner.x, into: &buffer)
        guard let detail = state.selectedDetail else {
            PeersPane.emptyLine(state, inner, &buffer)
            return
        }
        if count == 0, let none {
            buffer.write(none, x: inner.x + 1, y: inner.y + 1, limit: inner.width - 1, role: .dim)
            return
        }
        let visible = inner.height - 1
        let offset = Scroll.offset(selected: selected, visibleRows: visible, count: count)
        for position in offset..<min(count, offset + max(0, visible)) {
            let y = inner.y + 1 + position - offset
            drawRow(detail, table, position, y, &buffer)
            if focused && position == selected {
                Draw.highlight(row: y, x: inner.x, width: inner.width, into: &buffer)
            }
        }
    }
}

/// Engine events with time stamps, newest at the bottom.
enum LogPane {
    static func render(_ state: UIState, into buffer: inout ScreenBuffer, rect: Rect, focused: Bool, tabbed: Bool) {
        if tabbed {
            TabStrip.frame(rect, active: .log, focused: focused, into: &buffer)
        } else {
            Draw.frame(rect, title: "Log", focused: focused, into: &buffer)
        }
        let inner = rect.inner
        guard inner.height >= 1, inner.width >= 4 else { return }
        let entries = state.log.entries
        if entries.isEmpty {
            buffer.write("No events yet", x: inner.x + 1, y: inner.y, limit: inner.width - 1, role: .dim)
            return
        }
        let end = max(0, entries.count - state.logScrollBack)
        let start = max(0, end - inner.height)
        for (line, index) in (start..<end).enumerated() {
            let entry = entries[index]
            let y = inner.y + line
            let used = buffer.write(entry.time, x: inner.x, y: y, limit: inner.width, role: .dim)
            let role: ThemeRole = entry.severity == .error ? .status_error : (entry.severity == .warning ? .status_warn : .text)
            buffer.write(entry.text, x: inner.x + used + 1, y: y, limit: inner.width - used - 1, role: role)
        }
    }
}
