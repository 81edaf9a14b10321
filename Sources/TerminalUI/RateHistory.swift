/// A fixed-size ring of samples, oldest overwritten first.
struct SampleRing: Sendable {
    private(set) var values: [Float]
    private var head = 0
    private(set) var count = 0

    init(capacity: Int) { values = Array(repeating: 0, count: capacity) }

    var capacity: Int { values.count }

    mutating func append(_ value: Float) {
        values[head] = value
        head = (head + 1) % values.count
        count = min(count + 1, values.count)
    }

    /// The sample `age` steps back from the newest (0 = newest); 0 when older than the history.
    func value(age: Int) -> Float {
        guard age >= 0, age < count else { return 0 }
        return values[(head - 1 - age + 2 * values.count) % values.count]
    }
}

/// How far back the speed graph looks.
public enum GraphZoom: Int, CaseIterable, Sendable {
    case fiveMinutes, thirtyMinutes, twoHours

    /// Seconds covered, and seconds per stored sample.
    public var span: Int { [300, 1800, 7200][rawValue] }
    public var bucket: Int { [1, 6, 24][rawValue] }
    public var label: String { ["5m", "30m", "2h"][rawValue] }
    public var next: GraphZoom { GraphZoom(rawValue: (rawValue + 1) % GraphZoom.allCases.count) ?? .fiveMinutes }
}

/// Download and upload history at 1 s, 6 s and 24 s resolution, 300 samples each: 5 min, 30 min
/// and 2 h. Memory is fixed (about 7 KB).
public struct RateHistory: Sendable {
    static let samplesPerLevel = 300
    private(set) var down: [SampleRing]
    private(set) var up: [SampleRing]
    private var pendingDown: [Float]
    private var pendingUp: [Float]
    private var pendingCount: [Int]

    public init() {
        let levels = GraphZoom.allCases.count
        down = Array(repeating: SampleRing(capacity: Self.samplesPerLevel), count: levels)
        up = down
        pendingDown = Array(repeating: 0, count: levels)
        pendingUp = pendingDown
        pendingCount = Array(repeating: 0, count: levels)
    }

    /// Records one second.
    public mutating func record(down downRate: Double, up upRate: Double) {
        // Engine values are trusted for display only: no NaN, infinity or negatives in the rings.
        func clean(_ value: Double) -> Double { value.isFinite ? min(max(0, value), 1e13) : 0 }
        let downRate = clean(downRate)
        let upRate = clean(upRate)
        for level in GraphZoom.allCases {
            let index = level.rawValue
            pendingDown[index] += Float(downRate)
            pendingUp[index] += Float(upRate)
            pendingCount[index] += 1
            if pendingCount[index] >= level.bucket {
                let n = Float(pendingCount[index])
                down[index].append(pendingDown[index] / n)
                up[index].append(pendingUp[index] / n)
                pendingDown[index] = 0
                pendingUp[index] = 0
                pendingCount[index] = 0
            }
        }
    }

    func ring(_ zoom: GraphZoom, upload: Bool) -> SampleRing { upload ? up[zoom.rawValue] : down[zoom.rawValue] }
}

/// The session's and every torrent's rate history, sampled once per second of engine uptime.
public struct SpeedHistory: Sendable {
    public private(set) var session = RateHistory()
    public private(set) var torrents: [TorrentIDKey: RateHistory] = [:]
    private var lastSecond: Int?

    public init() {}

    /// Takes the rates of a snapshot; records one sample per whole second that passed.
    /// Returns whether anything was recorded.
    @discardableResult
    mutating func sample(uptime: Double, session downRate: Double, _ upRate: Double,
                         torrents rows: [(TorrentIDKey, Double, Double)]) -> Bool {
        guard uptime.isFinite, uptime >= 0, uptime < 1e15 else { return false }
        let second = Int(uptime)
        var steps = 1
        if let lastSecond {
            guard second > lastSecond else { return false }
            steps = min(second - lastSecond, RateHistory.samplesPerLevel)
        }
        lastSecond = second
        for _ in 0..<steps { session.record(down: downRate, up: upRate) }
        var seen = Set<TorrentIDKey>()
        for (key, down, up) in rows {
            seen.insert(key)
            var history = torrents[key] ?? RateHistory()
            for _ in 0..<steps { history.record(down: down, up: up) }
            torrents[key] = history
        }
        if seen.count != torrents.count {
            torrents = torrents.filter { seen.contains($0.key) }
        }
        return true
    }
}

/// A torrent's id as a dictionary key (its hex string).
public typealias TorrentIDKey = String
