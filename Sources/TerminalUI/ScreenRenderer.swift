/// Draws a whole frame from the UI state: layout, every visible pane, bars, and overlays.
public enum ScreenRenderer {
    public static func render(_ state: UIState, keyMap: KeyMap, into buffer: inout ScreenBuffer) {
        buffer.reset(width: state.width, height: state.height)
        let layout = ScreenLayout.compute(width: state.width, height: state.height, detailTab: state.detailTab,
                                          lowerTab: state.lowerTab)
        if layout.kind == .tooSmall {
            renderTooSmall(state, into: &buffer)
            return
        }
        if let rect = layout.torrents {
            TorrentListPane.render(state, into: &buffer, rect: rect, focused: state.focus == .torrents)
        }
        let tabbed = layout.kind == .full
        if let rect = layout.tab {
            renderDetail(layout.tabPane, state, rect: rect, tabbed: tabbed, into: &buffer)
        }
        if let rect = layout.lower {
            renderDetail(layout.lowerPane, state, rect: rect, tabbed: false, into: &buffer)
        }
        if let rect = layout.log {
            renderDetail(.log, state, rect: rect, tabbed: false, into: &buffer)
        }
        if let rect = layout.pieces { PiecesPane.render(state, into: &buffer, rect: rect, focused: false) }
        if let rect = layout.speed { SpeedGraphPane.render(state, into: &buffer, rect: rect, focused: false) }
        if let rect = layout.status { StatusBar.render(state, into: &buffer, rect: rect) }
        if let rect = layout.hints { HintBar.render(state, keyMap: keyMap, into: &buffer, rect: rect) }

        let bounds = buffer.bounds
        switch state.mode {
        case .help: Overlays.help(keyMap: keyMap, into: &buffer, bounds: bounds)
        case .diagnosis: DiagnosisView.render(state, into: &buffer, bounds: bounds)
        case .remove(let dialog): Overlays.remove(dialog, into: &buffer, bounds: bounds)
        case .confirmQuit: Overlays.confirmQuit(into: &buffer, bounds: bounds)
        case .prompt, .filtering:
            // Small layouts have no hint bar: edit on the status line instead.
            if layout.hints == nil, let rect = layout.status {
                HintBar.render(state, keyMap: keyMap, into: &buffer, rect: rect)
            }
        case .normal: break
        }
    }

    static func renderDetail(_ pane: PaneID, _ state: UIState, rect: Rect, tabbed: Bool, into buffer: inout ScreenBuffer) {
        let focused = state.focus == pane
        switch pane {
        case .peers: PeersPane.render(state, into: &buffer, rect: rect, focused: focused, tabbed: tabbed)
        case .files: FilesPane.render(state, into: &buffer, rect: rect, focused: focused, tabbed: tabbed)
        case .trackers: TrackersPane.render(state, into: &buffer, rect: rect, focused: focused, tabbed: tabbed)
        case .log: LogPane.render(state, into: &buffer, rect: rect, focused: focused, tabbed: tabbed)
        case .torrents: break
        }
    }

    static func renderTooSmall(_ state: UIState, into buffer: inout ScreenBuffer) {
        let lines = ["Terminal too small", "\(state.width)×\(state.height), need 20×5", "q quits"]
        let top = max(0, (state.height - lines.count) / 2)
        for (index, line) in lines.enumerated() where top + index < state.height {
            let width = min(state.width, TextWidth.columns(of: line))
            buffer.write(line, x: max(0, (state.width - width) / 2), y: top + index, limit: state.width,
                         role: index == 0 ? .status_warn : .text)
        }
    }
}
