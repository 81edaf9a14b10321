import EngineAPI
import Foundation

/// Turns snapshots, events and keys into `UIState` changes and `EngineCommand`s. Pure: no
/// terminal, no clock (the caller passes the time stamp for log lines).
public final class UIController {
    public internal(set) var state = UIState()
    public let keyMap: KeyMap
    /// Theme names `t` cycles through, in order.
    public private(set) var themeNames: [String]

    public init(keyMap: KeyMap = .standard, themeNames: [String] = ["dark"], initialTheme: String? = nil) {
        self.keyMap = keyMap
        self.themeNames = themeNames.isEmpty ? ["dark"] : themeNames
        state.themeName = initialTheme ?? self.themeNames[0]
    }

    public var layout: ScreenLayout {
        ScreenLayout.compute(width: state.width, height: state.height, detailTab: state.detailTab,
                             lowerTab: state.lowerTab)
    }

    // MARK: - Input from the engine and terminal

    /// Takes a new snapshot and the events drained with it; `clock` stamps the log lines.
    public func update(snapshot: SessionSnapshot, events: [EngineEvent], clock: String) {
        state.snapshot = snapshot
        let rows = snapshot.torrents.map { ($0.id.hex, $0.downloadRate, $0.uploadRate) }
        state.history.sample(uptime: snapshot.uptime, session: snapshot.downloadRate, snapshot.uploadRate,
                             torrents: rows)
        for event in events {
            let (text, severity) = event.logLine { id in
                snapshot.torrents.first { $0.id == id }?.name ?? String(id.hex.prefix(8))
            }
            state.log.append(time: clock, text: text, severity: severity)
            if severity != .info || event.asksTheUser { state.message = StatusMessage(text: text, severity: severity) }
        }
        recomputeTorrentOrder()
        recomputePeerOrder()
        clampDetailSelections()
    }

    /// A line from outside the engine (a bad setting, a theme problem) for the log pane and,
    /// unless it is only information, the status bar.
    public func note(_ text: String, severity: LogRing.Severity = .warning, clock: String) {
        state.log.append(time: clock, text: text, severity: severity)
        if severity != .info { state.message = StatusMessage(text: text, severity: severity) }
    }

    public func resize(width: Int, height: Int) {
        state.width = max(0, width)
        state.height = max(0, height)
    }

    /// Handles one key; returns the commands to send to the engine.
    public func handle(_ key: Key) -> [EngineCommand] {
        switch state.mode {
        case .help, .diagnosis:
            state.mode = .normal
            return []
        case .confirmQuit:
            if key == .character("y") || key == .character("Y") {
                state.quitRequested = true
            } else {
                state.mode = .normal
                state.message = StatusMessage(text: "Quit cancelled", severity: .info)
            }
            return []
        case .remove(let dialog):
            return handleRemoveDialog(key, dialog)
        case .prompt(let prompt):
            return handlePrompt(key, prompt)
        case .filtering:
            handleFilter(key)
            return []
        case .normal:
            break
        }
        if case .mouse(let x, let y) = key {
            click(x: x, y: y)
            return []
        }
        if case .wheel(let x, let y, let up) = key {
            // Scroll the pane under the pointer by three rows.
            if let pane = PaneID.allCases.first(where: { layout.rect(for: $0)?.contains(x: x, y: y) == true }) {
                focus(pane)
                moveSelection(by: up ? -3 : 3)
            }
            return []
        }
        guard let action = keyMap.action(for: key) else { return [] }
        return perform(action)
    }

    // MARK: - Actions

    func perform(_ action: UIAction) -> [EngineCommand] {
        switch action {
        case .moveUp: moveSelection(by: -1)
        case .moveDown: moveSelection(by: 1)
        case .pageUp: moveSelection(by: -max(1, visibleRows(of: state.focus) - 1))
        case .pageDown: moveSelection(by: max(1, visibleRows(of: state.focus) - 1))
        case .moveHome: moveSelection(by: Int.min / 2)
        case .moveEnd: moveSelection(by: Int.max / 2)
        case .nextPane: focus(PaneID(rawValue: (state.focus.rawValue + 1) % PaneID.allCases.count) ?? .torrents)
        case .previousPane:
            let count = PaneID.allCases.count
            focus(PaneID(rawValue: (state.focus.rawValue + count - 1) % count) ?? .torrents)
        case .showPane(let pane): focus(pane)
        case .pauseResume:
            guard let row = requireSelection() else { return [] }
            return [row.phase == .paused ? .resume(row.id) : .pause(row.id)]
        case .toggleSeeding:
            guard let row = requireSelection() else { return [] }
            guard row.progress >= 1 || row.phase == .seeding || row.phase == .finished else {
                state.message = StatusMessage(text: "Seeding applies to a finished torrent", severity: .warning)
                return []
            }
            state.message = StatusMessage(
                text: row.seedWhenComplete ? "Stop seeding \(row.name)" : "Seed \(row.name)", severity: .info)
            return [.setSeeding(row.id, !row.seedWhenComplete)]
        case .raise, .lower:
            let raise = action == .raise
            if state.focus == .files { return changeFilePriority(raise: raise) }
            guard let row = requireSelection() else { return [] }
            return [.moveInQueue(row.id, raise ? .up : .down)]
        case .addTorrent:
            state.mode = .prompt(Prompt(purpose: .addTorrent, editor: LineEditor()))
        case .removeTorrent:
            guard let row = requireSelection() else { return [] }
            state.mode = .remove(RemoveDialog(id: row.id, name: row.name, deleteData: false))
        case .recheck:
            guard let row = requireSelection() else { return [] }
            state.message = StatusMessage(text: "Rechecking \(row.name)", severity: .info)
            return [.recheck(row.id)]
        case .setRateLimits:
            let current = "\(limitText(state.snapshot.downloadLimit)) \(limitText(state.snapshot.uploadLimit))"
            state.mode = .prompt(Prompt(purpose: .rateLimits, editor: LineEditor(current)))
        case .toggleSequential, .setTorrentRateLimits, .setRatioGoal, .moveData, .setLabels:
            return performTorrentSetting(action)
        case .cycleTheme:
            let index = themeNames.firstIndex(of: state.themeName) ?? -1
            state.themeName = themeNames[(index + 1) % themeNames.count]
            state.message = StatusMessage(text: "Theme: \(state.themeName)", severity: .info)
        case .zoomGraph:
            state.zoom = state.zoom.next
        case .filter:
            state.mode = .filtering
        case .cycleSort:
            let all = TorrentSortColumn.allCases
            state.sortColumn = all[(state.sortColumn.rawValue + 1) % all.count]
            state.message = StatusMessage(text: "Sorted by \(state.sortColumn.title)", severity: .info)
            recomputeTorrentOrder()
        case .reverseSort:
            state.sortReversed.toggle()
            recomputeTorrentOrder()
        case .help:
            state.mode = .help
        case .diagnose:
            guard requireSelection() != nil else { return [] }
            state.mode = .diagnosis
        case .quit:
            // An attached front end only detaches: the daemon keeps every transfer going.
            if isTransferring, !state.snapshot.isAttached {
                state.mode = .confirmQuit
            } else {
                state.quitRequested = true
            }
        }
        return []
    }

    /// Whether quitting would interrupt something: a torrent downloading with traffic or peers.
    public var isTransferring: Bool {
        state.snapshot.torrents.contains { row in
            (row.phase == .downloading || row.phase == .fetchingMetadata)
                && (row.downloadRate > 0 || row.uploadRate > 0 || row.peers > 0)
        }
    }

    func requireSelection() -> TorrentSnapshot? {
        guard let row = state.selectedRow else {
            state.message = StatusMessage(text: "No torrent selected", severity: .warning)
            return nil
        }
        return row
    }

    func limitText(_ limit: Int?) -> String {
        guard let limit, limit > 0 else { return "0" }
        if limit % 1_048_576 == 0 { return "\(limit / 1_048_576)M" }
        if limit % 1024 == 0 { return "\(limit / 1024)k" }
        return "\(limit)"
    }

    private func focus(_ pane: PaneID) {
        state.focus = pane
        switch pane {
        case .torrents: break
        case .files, .trackers:
            state.detailTab = pane
            state.lowerTab = pane
        case .peers, .log:
            state.detailTab = pane
        }
    }

    private func changeFilePriority(raise: Bool) -> [EngineCommand] {
        guard let detail = state.selectedDetail, state.selectedFile < detail.files.count else { return [] }
        let file = detail.files[state.selectedFile]
        let all = FilePriority.allCases
        let next = all[min(all.count - 1, max(0, file.priority.rawValue + (raise ? 1 : -1)))]
        guard next != file.priority else { return [] }
        return [.setFilePriority(detail.id, file: state.selectedFile, next)]
    }

    // MARK: - Selection

    func visibleRows(of pane: PaneID) -> Int {
        guard let rect = layout.rect(for: pane) else { return 1 }
        return max(1, rect.height - 3)
    }

    private func moveSelection(by delta: Int) {
        func moved(_ value: Int, count: Int) -> Int {
            guard count > 0 else { return 0 }
            let target = delta > 0 ? (value > Int.max - delta ? Int.max : value + delta) : max(Int.min / 2, value + delta)
            return min(count - 1, max(0, target))
        }
        switch state.focus {
        case .torrents:
            guard !state.torrentOrder.isEmpty else { return }
            let index = moved(state.selectedIndex ?? 0, count: state.torrentOrder.count)
            select(torrentAt: index)
        case .peers: state.selectedPeer = moved(state.selectedPeer, count: state.peerOrder.count)
        case .files: state.selectedFile = moved(state.selectedFile, count: state.selectedDetail?.files.count ?? 0)
        case .trackers:
            state.selectedTracker = moved(state.selectedTracker, count: state.selectedDetail?.trackers.count ?? 0)
        case .log:
            let count = state.log.entries.count
            state.logScrollBack = min(max(0, count - 1), max(0, state.logScrollBack - max(-count, min(count, delta))))
        }
    }

    private func select(torrentAt index: Int) {
        guard index >= 0, index < state.torrentOrder.count else { return }
        let id = state.snapshot.torrents[state.torrentOrder[index]].id
        if id != state.selectedTorrent {
            state.selectedTorrent = id
            state.selectedPeer = 0
            state.selectedFile = 0
            state.selectedTracker = 0
        }
    }

    private func click(x: Int, y: Int) {
        let layout = self.layout
        for pane in PaneID.allCases {
            guard let rect = layout.rect(for: pane), rect.contains(x: x, y: y) else { continue }
            focus(pane)
            let inner = rect.inner
            if y == rect.y, pane != .torrents, layout.kind == .full {
                // A click on the tab strip picks that tab.
                if let tab = TabStrip.tab(atColumn: x - rect.x - 2) { focus(tab) }
                return
            }
            let row = y - inner.y - 1
            guard row >= 0 else { return }
            let visible = inner.height - 1
            switch pane {
            case .torrents:
                let offset = Scroll.offset(selected: state.selectedIndex ?? 0, visibleRows: visible,
                                           count: state.torrentOrder.count)
                select(torrentAt: offset + row)
            case .peers:
                let offset = Scroll.offset(selected: state.selectedPeer, visibleRows: visible,
                                           count: state.peerOrder.count)
                if offset + row < state.peerOrder.count { state.selectedPeer = offset + row }
            case .files:
                let count = state.selectedDetail?.files.count ?? 0
                let offset = Scroll.offset(selected: state.selectedFile, visibleRows: visible, count: count)
                if offset + row < count { state.selectedFile = offset + row }
            case .trackers:
                let count = state.selectedDetail?.trackers.count ?? 0
                let offset = Scroll.offset(selected: state.selectedTracker, visibleRows: visible, count: count)
                if offset + row < count { state.selectedTracker = offset + row }
            case .log:
                break
            }
            return
        }
    }

    // MARK: - Prompts and dialogs

    private func handleRemoveDialog(_ key: Key, _ dialog: RemoveDialog) -> [EngineCommand] {
        var dialog = dialog
        switch key {
        case .left, .right, .tab, .backTab:
            dialog.deleteData.toggle()
            state.mode = .remove(dialog)
        case .enter, .character("y"):
            state.mode = .normal
            state.message = StatusMessage(text: "Removing \(dialog.name)", severity: .info)
            return [.remove(dialog.id, deleteData: dialog.deleteData)]
        case .character("D"):
            state.mode = .normal
            state.message = StatusMessage(text: "Removing \(dialog.name) and its data", severity: .info)
            return [.remove(dialog.id, deleteData: true)]
        case .escape, .character("n"), .character("q"):
            state.mode = .normal
        default:
            break
        }
        return []
    }

    private func handlePrompt(_ key: Key, _ prompt: Prompt) -> [EngineCommand] {
        var prompt = prompt
        switch key {
        case .escape:
            state.mode = .normal
            return []
        case .enter:
            state.mode = .normal
            return submit(prompt)
        default:
            _ = prompt.editor.apply(key)
            state.mode = .prompt(prompt)
            return []
        }
    }

    private func submit(_ prompt: Prompt) -> [EngineCommand] {
        let text = prompt.editor.text.trimmingCharacters(in: .whitespaces)
        switch prompt.purpose {
        case .addTorrent:
            guard !text.isEmpty else { return [] }
            if text.lowercased().hasPrefix("magnet:") {
                state.message = StatusMessage(text: "Adding magnet link", severity: .info)
                // The user picks files once they are known, before any data moves.
                return [.add(.magnet(text), options: AddOptions(pauseForFileChoice: true))]
            }
            let path = (text as NSString).expandingTildeInPath
            state.message = StatusMessage(text: "Adding \(path)", severity: .info)
            return [.add(.torrentFile(path: path), directory: nil)]
        case .rateLimits:
            do {
                let limits = try RateLimitParser.parse(text)
                state.message = StatusMessage(
                    text: "Limits: ↓ \(Format.limit(limits.download))/s ↑ \(Format.limit(limits.upload))/s",
                    severity: .info)
                return [.setRateLimits(download: limits.download, upload: limits.upload)]
            } catch {
                state.message = StatusMessage(text: error.description, severity: .error)
                return []
            }
        case .torrentRateLimits(let id), .ratioGoal(let id), .moveData(let id), .labels(let id):
            return submitTorrentSetting(prompt.purpose, id: id, text: text)
        }
    }

    private func handleFilter(_ key: Key) {
        switch key {
        case .escape:
            state.filter = LineEditor()
            state.mode = .normal
        case .enter:
            state.mode = .normal
        case .up, .down:
            state.mode = .normal
            _ = perform(key == .up ? .moveUp : .moveDown)
            return
        default:
            _ = state.filter.apply(key)
        }
        recomputeTorrentOrder()
    }

    // MARK: - Derived orderings

    func recomputeTorrentOrder() {
        let torrents = state.snapshot.torrents
        let filter = TorrentFilter(state.filter.text)
        var order: [Int] = []
        order.reserveCapacity(torrents.count)
        for index in torrents.indices where filter.matches(torrents[index]) {
            order.append(index)
        }
        let column = state.sortColumn
        let reversed = state.sortReversed
        if column == .name {
            let keys = torrents.map { $0.name.lowercased() }
            order.sort { a, b in keys[a] != keys[b] ? (keys[a] < keys[b]) != reversed : a < b }
        } else {
            let keys = torrents.map { row -> Double in
                let key = TorrentSortColumn.key(column, row)
                return key.isNaN ? 0 : key
            }
            // Rates, sizes, peers and ratios read best largest first; the queue, progress and ETA smallest first.
            let descending = [.size, .downloadRate, .uploadRate, .peers, .ratio].contains(column) != reversed
            order.sort { a, b in keys[a] != keys[b] ? (keys[a] < keys[b]) != descending : a < b }
        }
        state.torrentOrder = order
        if state.selectedIndex == nil { select(torrentAt: 0) }
        if order.isEmpty { state.selectedTorrent = nil }
    }

    func recomputePeerOrder() {
        guard let detail = state.selectedDetail else {
            state.peerOrder = []
            return
        }
        let peers = detail.peers
        state.peerOrder = peers.indices.sorted { a, b in
            let ra = peers[a].downloadRate + peers[a].uploadRate
            let rb = peers[b].downloadRate + peers[b].uploadRate
            return ra != rb ? ra > rb : peers[a].address < peers[b].address
        }
    }

    private func clampDetailSelections() {
        let detail = state.selectedDetail
        state.selectedPeer = min(state.selectedPeer, max(0, state.peerOrder.count - 1))
        state.selectedFile = min(state.selectedFile, max(0, (detail?.files.count ?? 0) - 1))
        state.selectedTracker = min(state.selectedTracker, max(0, (detail?.trackers.count ?? 0) - 1))
    }
}

extension TorrentSortColumn {
    /// A numeric sort key for every column but the name.
    static func key(_ column: TorrentSortColumn, _ row: TorrentSnapshot) -> Double {
        switch column {
        case .queue: return Double(row.queuePosition)
        case .name: return 0
        case .size: return Double(row.totalSize)
        case .progress: return row.progress
        case .state: return Double(row.phase.sortRank)
        case .downloadRate: return row.downloadRate
        case .uploadRate: return row.uploadRate
        case .peers: return Double(row.peers)
        case .ratio: return row.ratio.isFinite ? row.ratio : 1e12
        case .eta: return row.eta ?? 1e12
        }
    }
}

extension TorrentPhase {
    var sortRank: Int {
        switch self {
        case .downloading: return 0
        case .fetchingMetadata: return 1
        case .checking: return 2
        case .seeding: return 3
        case .queued: return 4
        case .finished: return 5
        case .paused: return 6
        case .failed: return 7
        }
    }
}

extension EngineEvent {
    /// Lines the user should see in the status bar even though nothing went wrong (a magnet's
    /// files became known and wait for a choice, a ratio goal was reached).
    var asksTheUser: Bool {
        if case .notice(.some, _) = self { return true }
        return false
    }
}
