/// The order in which torrents get their turn: a list of ids, first in line first.
public struct QueueOrder<ID: Hashable & Sendable>: Sendable {
    public private(set) var ids: [ID] = []

    public init(_ ids: [ID] = []) {
        self.ids = ids
    }

    /// Position of `id` (0 is first), or nil when it is not queued.
    public func position(of id: ID) -> Int? { ids.firstIndex(of: id) }

    public mutating func append(_ id: ID) {
        guard !ids.contains(id) else { return }
        ids.append(id)
    }

    public mutating func remove(_ id: ID) {
        ids.removeAll { $0 == id }
    }

    /// Where a move takes a torrent.
    public enum Move: Sendable {
        case up, down, top, bottom
    }

    /// Moves `id` one step or to an end; returns false when it cannot move that way.
    @discardableResult
    public mutating func move(_ id: ID, _ move: Move) -> Bool {
        guard let index = ids.firstIndex(of: id) else { return false }
        let target: Int
        switch move {
        case .up: target = index - 1
        case .down: target = index + 1
        case .top: target = 0
        case .bottom: target = ids.count - 1
        }
        guard ids.indices.contains(target), target != index else { return false }
        ids.remove(at: index)
        ids.insert(id, at: target)
        return true
    }
}
