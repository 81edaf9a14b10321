import EngineAPI

/// Which column orders the torrent list.
public enum TorrentSortColumn: Int, CaseIterable, Sendable {
    case queue, name, size, progress, state, downloadRate, uploadRate, peers, ratio, eta

    public var title: String {
        ["queue", "name", "size", "progress", "state", "↓ rate", "↑ rate", "peers", "ratio", "ETA"][rawValue]
    }
}

/// A one-line prompt at the bottom of the screen.
public struct Prompt: Sendable, Equatable {
    public enum Purpose: Sendable, Equatable {
        case addTorrent, rateLimits
        /// Settings of one torrent.
        case torrentRateLimits(TorrentID), ratioGoal(TorrentID), moveData(TorrentID), labels(TorrentID)
    }
    public var purpose: Purpose
    public var editor: LineEditor

    public var label: String {
        switch purpose {
        case .addTorrent: return "Add (path or magnet): "
        case .rateLimits: return "Limits ↓ ↑ (e.g. 500k 1M, 0 = none): "
        case .torrentRateLimits: return "Torrent limits ↓ ↑ (0 = none): "
        case .ratioGoal: return "Ratio goal (e.g. 2, 0 = none): "
        case .moveData: return "Move data to folder: "
        case .labels: return "Labels (comma-separated): "
        }
    }

    /// True for the prompts whose text is a pair of rates.
    var takesRates: Bool {
        switch purpose {
        case .rateLimits, .torrentRateLimits: return true
        default: return false
        }
    }
}

/// The remove dialog; `deleteData` is the highlighted choice.
public struct RemoveDialog: Sendable, Equatable {
    public var id: TorrentID
    public var name: String
    public var deleteData: Bool
}

/// What the keyboard is talking to right now.
public enum UIMode: Sendable, Equatable {
    case normal
    case filtering
    case prompt(Prompt)
    case remove(RemoveDialog)
    case help
    /// The "why is it slow?" view for the selected torrent.
    case diagnosis
    case confirmQuit
}

/// A short message in the status bar.
public struct StatusMessage: Sendable, Equatable {
    public var text: String
    public var severity: LogRing.Severity
}

/// Everything the panes draw from: the latest snapshot plus the UI's own state.
public struct UIState: Sendable {
    public var snapshot = SessionSnapshot()
    public var width = 80
    public var height = 24

    public var mode: UIMode = .normal
    public var focus: PaneID = .torrents
    /// The detail pane shown in the tab slot (peers, files, trackers or log).
    public var detailTab: PaneID = .peers
    /// In the wide layout, the lower-left tab (files or trackers).
    public var lowerTab: PaneID = .files

    public var selectedTorrent: TorrentID?
    /// Indices into `snapshot.torrents`, filtered and sorted.
    public var torrentOrder: [Int] = []
    public var sortColumn: TorrentSortColumn = .queue
    public var sortReversed = false
    public var filter = LineEditor()

    /// Indices into the detail's peers, fastest first.
    public var peerOrder: [Int] = []
    public var selectedPeer = 0
    public var selectedFile = 0
    public var selectedTracker = 0
    /// Log lines scrolled back from the newest.
    public var logScrollBack = 0

    public var zoom: GraphZoom = .fiveMinutes
    public var history = SpeedHistory()
    public var log = LogRing()
    public var message: StatusMessage?
    public var themeName = "dark"
    public var quitRequested = false

    public init() {}

    /// The selected torrent's row, if it is still in the snapshot.
    public var selectedRow: TorrentSnapshot? {
        guard let selectedTorrent else { return nil }
        return snapshot.torrents.first { $0.id == selectedTorrent }
    }

    /// The selected torrent's detail, when the snapshot carries it.
    public var selectedDetail: TorrentDetail? {
        guard let detail = snapshot.detail, detail.id == selectedTorrent else { return nil }
        return detail
    }

    /// Position of the selected torrent in `torrentOrder`.
    public var selectedIndex: Int? {
        guard let selectedTorrent else { return nil }
        return torrentOrder.firstIndex { snapshot.torrents[$0].id == selectedTorrent }
    }
}
