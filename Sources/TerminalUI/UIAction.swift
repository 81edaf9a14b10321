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
    case cycleTheme
    case zoomGraph
    case filter
    case cycleSort
    case reverseSort
    case help
    case quit

    /// One line for the help overlay.
    public var helpText: String {
        switch self {
        case .moveUp: return "Move the selection up"
        case .moveDown: return "Move the selection down"
        case .pageUp: return "Page up"
        case .pageDown: return "Page down"
        case .moveHome: return "First row"
        case .moveEnd: return "Last row"
        case .nextPane: return "Focus the next pane"
        case .previousPane: return "Focus the previous pane"
        case .showPane(let pane): return "Show the \(pane.title) pane"
        case .pauseResume: return "Pause the torrent, or resume it when paused"
        case .toggleSeeding: return "Keep seeding a finished torrent, or stop"
        case .raise: return "Queue position up (Files: priority up)"
        case .lower: return "Queue position down (Files: priority down)"
        case .addTorrent: return "Add a .torrent file or magnet link"
        case .removeTorrent: return "Remove the torrent (optionally with its data)"
        case .recheck: return "Check the data on disk again"
        case .setRateLimits: return "Set download/upload limits, e.g. \"500k 1M\", 0 = unlimited"
        case .cycleTheme: return "Next colour theme"
        case .zoomGraph: return "Graph span: 5 min / 30 min / 2 h"
        case .filter: return "Filter torrents by name (Enter keeps, Esc clears)"
        case .cycleSort: return "Sort torrents by the next column"
        case .reverseSort: return "Reverse the sort order"
        case .help: return "This help"
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
