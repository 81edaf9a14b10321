/// One entry of the key map: the keys, what they do, and the hint-bar word (nil: help only).
public struct KeyBinding: Sendable {
    public var keys: [Key]
    public var action: UIAction
    public var hint: String?

    public init(keys: [Key], action: UIAction, hint: String? = nil) {
        self.keys = keys
        self.action = action
        self.hint = hint
    }

    /// "j/↓" style label of all keys.
    public var keyLabel: String { keys.map(\.label).joined(separator: "/") }
}

/// The single table from keys to actions; the hint bar and the help overlay are generated from it.
public struct KeyMap: Sendable {
    public let bindings: [KeyBinding]
    private let lookup: [Key: UIAction]

    public init(bindings: [KeyBinding]) {
        self.bindings = bindings
        var lookup: [Key: UIAction] = [:]
        for binding in bindings {
            for key in binding.keys where lookup[key] == nil { lookup[key] = binding.action }
        }
        self.lookup = lookup
    }

    public func action(for key: Key) -> UIAction? { lookup[key] }

    /// Bindings worth a place in the hint bar, most useful first.
    public var hints: [KeyBinding] { bindings.filter { $0.hint != nil } }

    public static let standard = KeyMap(bindings: [
        KeyBinding(keys: [.character("?")], action: .help, hint: "Help"),
        KeyBinding(keys: [.character("q")], action: .quit, hint: "Quit"),
        KeyBinding(keys: [.character("a")], action: .addTorrent, hint: "Add"),
        KeyBinding(keys: [.character("p")], action: .pauseResume, hint: "Pause"),
        KeyBinding(keys: [.character("d")], action: .removeTorrent, hint: "Remove"),
        KeyBinding(keys: [.character("/")], action: .filter, hint: "Filter"),
        KeyBinding(keys: [.character("o")], action: .cycleSort, hint: "Sort"),
        KeyBinding(keys: [.tab], action: .nextPane, hint: "Pane"),
        KeyBinding(keys: [.character("+")], action: .raise, hint: "Up"),
        KeyBinding(keys: [.character("-")], action: .lower, hint: "Down"),
        KeyBinding(keys: [.character("l")], action: .setRateLimits, hint: "Limits"),
        KeyBinding(keys: [.character("z")], action: .zoomGraph, hint: "Zoom"),
        KeyBinding(keys: [.character("t")], action: .cycleTheme, hint: "Theme"),
        KeyBinding(keys: [.character("s")], action: .toggleSeeding, hint: "Seed"),
        KeyBinding(keys: [.character("r")], action: .recheck, hint: "Recheck"),
        KeyBinding(keys: [.character("w")], action: .diagnose),
        KeyBinding(keys: [.character("S")], action: .toggleSequential),
        KeyBinding(keys: [.character("L")], action: .setTorrentRateLimits),
        KeyBinding(keys: [.character("R")], action: .setRatioGoal),
        KeyBinding(keys: [.character("m")], action: .moveData),
        KeyBinding(keys: [.character("#")], action: .setLabels),
        KeyBinding(keys: [.character("O")], action: .reverseSort),
        KeyBinding(keys: [.up, .character("k")], action: .moveUp),
        KeyBinding(keys: [.down, .character("j")], action: .moveDown),
        KeyBinding(keys: [.pageUp], action: .pageUp),
        KeyBinding(keys: [.pageDown], action: .pageDown),
        KeyBinding(keys: [.home, .character("g")], action: .moveHome),
        KeyBinding(keys: [.end, .character("G")], action: .moveEnd),
        KeyBinding(keys: [.backTab], action: .previousPane),
        KeyBinding(keys: [.character("1")], action: .showPane(.peers)),
        KeyBinding(keys: [.character("2")], action: .showPane(.files)),
        KeyBinding(keys: [.character("3")], action: .showPane(.trackers)),
        KeyBinding(keys: [.character("4")], action: .showPane(.log)),
    ])
}
