/// Something the user can ask of the UI through a key; the `KeyMap` decides which key.
public enum UIAction: Hashable, Sendable {
    case moveUp, moveDown, pageUp, pageDown, moveHome, moveEnd
    case nextPane, previousPane
    /// Show and focus a detail pane: 1 peers, 2 files, 3 trackers, 4 log.
    case showPane(PaneID)
    case pauseResume
    case toggleSeeding
    /// Queue position up, or the selected file's priority up in the Files pane.
    case raise
    case lower
    case addTorrent
    case removeTorrent
    case recheck
    case setRateLimits
    /// The selected torrent's own settings.
    case toggleSequential
    case setTorrentRateLimits
    case setRatioGoal
    case moveData
    case setLabels
    case cycleTheme
    case zoomGraph
    case filter
    case cycleSort
    case reverseSort
    case help
    /// "Why is it slow?": the selected torrent's bottleneck and its evidence.
    case diagnose
    case quit

    /// One line for the help overlay.
    public var helpText: String {
        switch self {
        case .moveUp: return "Selection up"
        case .moveDown: return "Selection down"
        case .pageUp: return "Page up"
        case .pageDown: return "Page down"
        case .moveHome: return "First row"
        case .moveEnd: return "Last row"
        case .nextPane: return "Focus the next pane"
        case .previousPane: return "Focus the previous pane"
        case .showPane(let pane): return "Show the \(pane.title) pane"
        case .pauseResume: return "Pause, or resume when paused"
        case .toggleSeeding: return "Seed a finished torrent or stop"
        case .raise: return "Queue up (Files: priority up)"
        case .lower: return "Queue down (Files: prio. down)"
        case .addTorrent: return "Add a .torrent file or magnet"
        case .removeTorrent: return "Remove (optionally with data)"
        case .recheck: return "Check the data on disk again"
        case .setRateLimits: return "Rate limits ↓ ↑, e.g. 500k 1M"
        case .toggleSequential: return "Sequential (streaming) order"
        case .setTorrentRateLimits: return "This torrent's limits ↓ ↑"
        case .setRatioGoal: return "This torrent's ratio goal"
        case .moveData: return "Move its data to a folder"
        case .setLabels: return "Labels, e.g. movies, 4k"
        case .cycleTheme: return "Next colour theme"
        case .zoomGraph: return "Graph span: 5m / 30m / 2h"
        case .filter: return "Filter: name or label:NAME"
        case .cycleSort: return "Sort by the next column"
        case .reverseSort: return "Reverse the sort order"
        case .help: return "This help"
        case .diagnose: return "Why is it slow? (diagnosis)"
        case .quit: return "Quit (asks while transferring)"
        }
    }
}

/// The panes that can take focus, and the detail panes shown as tabs.
public enum PaneID: Int, CaseIterable, Sendable {
    case torrents, peers, files, trackers, log

    public var title: String {
        switch self {
        case .torrents: return "Torrents"
        case .peers: return "Peers"
        case .files: return "Files"
        case .trackers: return "Trackers"
        case .log: return "Log"
        }
    }
}
