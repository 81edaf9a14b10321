import EngineAPI
import Foundation

/// A `TorrentEngine` that serves prepared snapshots and events and records every command.
final class ScriptedEngine: TorrentEngine, @unchecked Sendable {
    private let lock = NSLock()
    private var current: SessionSnapshot
    private var pendingEvents: [EngineEvent] = []
    private var recorded: [EngineCommand] = []
    private var details: [TorrentID: TorrentDetail] = [:]
    /// When set, every `snapshot` call is one second later than the last, like a live engine.
    var advancesUptime = false

    init(snapshot: SessionSnapshot, details: [TorrentDetail] = []) {
        current = snapshot
        for detail in details { self.details[detail.id] = detail }
    }

    func snapshot(detail: TorrentID?) -> SessionSnapshot {
        lock.lock()
        defer { lock.unlock() }
        if advancesUptime { current.uptime += 1 }
        var copy = current
        copy.detail = detail.flatMap { details[$0] }
        return copy
    }

    func drainEvents() -> [EngineEvent] {
        lock.lock()
        defer { lock.unlock() }
        let events = pendingEvents
        pendingEvents = []
        return events
    }

    func close() async {}

    func perform(_ command: EngineCommand) {
        lock.lock()
        recorded.append(command)
        lock.unlock()
    }

    func publish(_ snapshot: SessionSnapshot, events: [EngineEvent] = []) {
        lock.lock()
        current = snapshot
        pendingEvents += events
        lock.unlock()
    }

    var commands: [EngineCommand] {
        lock.lock()
        defer { lock.unlock() }
        return recorded
    }
}
