import EngineAPI
internal import NIOConcurrencyHelpers

/// The engine's events for front ends: a bounded queue behind a lock, because the engine
/// appends on its loop and a front end drains from its own thread. Overflow is counted, never kept.
final class EventLog: Sendable {
    private let queue = NIOLockedValueBox(EventQueue())

    func record(_ event: EngineEvent) {
        queue.withLockedValue { $0.append(event) }
    }

    func drain() -> [EngineEvent] {
        queue.withLockedValue { $0.drain() }
    }
}

/// A bounded queue of engine events.
struct EventQueue {
    private var items: [EngineEvent] = []
    private var dropped = 0
    static let limit = 1000

    mutating func append(_ event: EngineEvent) {
        if items.count < Self.limit { items.append(event) } else { dropped += 1 }
    }

    mutating func drain() -> [EngineEvent] {
        var out = items
        if dropped > 0 { out.append(.dropped(count: dropped)) }
        items.removeAll(keepingCapacity: true)
        dropped = 0
        return out
    }
}
