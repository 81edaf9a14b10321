import EngineAPI

/// The log pane's lines: newest last, at most `capacity`.
public struct LogRing: Sendable {
    public struct Entry: Sendable, Equatable {
        public var time: String
        public var text: String
        public var severity: Severity
    }

    public typealias Severity = EventSeverity

    public let capacity: Int
    public private(set) var entries: [Entry] = []

    public init(capacity: Int = 500) { self.capacity = max(1, capacity) }

    public mutating func append(time: String, text: String, severity: Severity) {
        entries.append(Entry(time: time, text: text, severity: severity))
        if entries.count > capacity { entries.removeFirst(entries.count - capacity) }
    }
}
