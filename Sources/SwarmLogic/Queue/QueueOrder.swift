/// The order in which torrents get their turn: a list of ids, first in line first.
///
/// Positions are kept in a dictionary beside the list: every snapshot asks each torrent's place,
/// and with 1,000 torrents a linear search made each 4 Hz publication a million comparisons.
public struct QueueOrder<ID: Hashable & Sendable>: Sendable {
    public private(set) var ids: [ID] = []
    private var positions: [ID: Int] = [:]
    /// Counts removals and moves (not appends): while it stands still, every id keeps its
    /// position and new ones only join at the end, so a list built in queue order stays valid.
    public private(set) var reorders = 0

    public init(_ ids: [ID] = []) {
        for id in ids { append(id) }
    }

    /// Position of `id` (0 is first), or nil when it is not queued.
    public func position(of id: ID) -> Int? { positions[id] }

    public mutating func append(_ id: ID) {
        guard positions[id] == nil else { return }
        positions[id] = ids.count
        ids.append(id)
    }

    public mutating func remove(_ id: ID) {
        guard let index = positions.removeValue(forKey: id) else { return }
        reorders += 1
        ids.remove(at: index)
        renumber(from: index, through: ids.count - 1)
    }

    /// Where a move takes a torrent.
    public enum Move: Sendable {
        case up, down, top, bottom
    }

    /// Moves `id` one step or to an end; returns false when it cannot move that way.
    @discardableResult
    public mutating func move(_ id: ID, _ move: Move) -> Bool {
        guard let index = positions[id] else { return false }
        let target: Int
        switch move {
        case .up: target = index - 1
        case .down: target = index + 1
        case .top: target = 0
        case .bottom: target = ids.count - 1
        }
        guard ids.indices.contains(target), target != index else { return false }
        reorders += 1
        ids.remove(at: index)
        ids.insert(id, at: target)
        renumber(from: min(index, target), through: max(index, target))
        return true
    }

    private mutating func renumber(from start: Int, through end: Int) {
        guard start <= end else { return }
        for position in start...end { positions[ids[position]] = position }
    }
}
