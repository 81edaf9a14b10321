/// Where each pane goes for a terminal size: full layouts from 80×24, a wide one from 140×44,
/// a compact list below 80×24, and a "too small" notice below 20×5.
public struct ScreenLayout: Sendable, Equatable {
    public enum Kind: Sendable, Equatable { case tooSmall, compact, full, wide }

    public var kind: Kind
    public var torrents: Rect?
    /// The tab slot: peers, files, trackers or log (full layout); always peers in the wide layout.
    public var tab: Rect?
    public var tabPane: PaneID = .peers
    /// The wide layout's lower-left slot: files or trackers.
    public var lower: Rect?
    public var lowerPane: PaneID = .files
    public var pieces: Rect?
    public var speed: Rect?
    /// The log pane's own slot in the wide layout.
    public var log: Rect?
    public var status: Rect?
    public var hints: Rect?

    public static let minimumFull = (width: 80, height: 24)
    public static let minimumWide = (width: 140, height: 44)
    public static let minimumUsable = (width: 20, height: 5)

    public static func compute(width: Int, height: Int, detailTab: PaneID, lowerTab: PaneID) -> ScreenLayout {
        let screen = Rect(x: 0, y: 0, width: width, height: height)
        if width < minimumUsable.width || height < minimumUsable.height {
            return ScreenLayout(kind: .tooSmall)
        }
        if width < minimumFull.width || height < minimumFull.height {
            let showHints = height >= 8
            let bodyHeight = height - 1 - (showHints ? 1 : 0)
            let (body, rest) = screen.splitTop(bodyHeight)
            let (status, hints) = rest.splitTop(1)
            return ScreenLayout(kind: .compact, torrents: body, status: status, hints: showHints ? hints : nil)
        }
        let (body, bars) = screen.splitTop(height - 2)
        let (status, hints) = bars.splitTop(1)
        let torrentRows = max(6, body.height * 35 / 100)
        let (torrents, detail) = body.splitTop(torrentRows)
        let (left, right) = detail.splitLeft(detail.width - detail.width * 2 / 5)
        let wide = width >= minimumWide.width && height >= minimumWide.height
        if wide {
            let (peers, lower) = left.splitTop(left.height * 11 / 20)
            let (pieces, rest) = right.splitTop(right.height * 3 / 10)
            let (speed, log) = rest.splitTop(rest.height * 11 / 20)
            return ScreenLayout(kind: .wide, torrents: torrents, tab: peers, tabPane: .peers, lower: lower,
                                lowerPane: lowerTab == .trackers ? .trackers : .files, pieces: pieces, speed: speed,
                                log: log, status: status, hints: hints)
        }
        let (pieces, speed) = right.splitTop(right.height * 2 / 5)
        return ScreenLayout(kind: .full, torrents: torrents, tab: left, tabPane: detailTab, pieces: pieces,
                            speed: speed, status: status, hints: hints)
    }

    /// The rectangle a pane occupies, when visible.
    public func rect(for pane: PaneID) -> Rect? {
        switch pane {
        case .torrents: return torrents
        case .log: return kind == .wide ? log : (tabPane == .log ? tab : nil)
        default:
            if tabPane == pane { return tab }
            if lowerPane == pane, kind == .wide { return lower }
            return nil
        }
    }
}

/// Scrolling that keeps the selection visible without remembering an offset.
enum Scroll {
    static func offset(selected: Int, visibleRows: Int, count: Int) -> Int {
        guard visibleRows > 0, count > visibleRows else { return 0 }
        return min(max(0, selected - visibleRows + 1), count - visibleRows)
    }
}
