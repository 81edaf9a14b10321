import EngineAPI
import Foundation
import NIOConcurrencyHelpers

/// Transmission names torrents by small integers as well as by hash; this gives each torrent of
/// the engine a number the first time the RPC sees it, stable for the daemon's life, and
/// remembers recently removed ones for `recently-active` requests.
final class TorrentNumbers: Sendable {
    private struct State {
        var numberOf: [TorrentID: Int] = [:]
        var idOf: [Int: TorrentID] = [:]
        var next = 1
        /// Numbers of torrents that left, with the time they were noticed gone.
        var removed: [(number: Int, at: Date)] = []
    }

    private let state = NIOLockedValueBox(State())

    /// Numbers every listed torrent (in list order, so the queue order gives the first numbers),
    /// and notes which known torrents are gone.
    func sync(_ torrents: [TorrentSnapshot], now: Date = Date()) -> [Int] {
        state.withLockedValue { state in
            let present = Set(torrents.map(\.id))
            for (id, number) in state.numberOf where !present.contains(id) {
                state.numberOf[id] = nil
                state.idOf[number] = nil
                state.removed.append((number, now))
            }
            state.removed.removeAll { now.timeIntervalSince($0.at) > 60 }
            if state.removed.count > 1000 { state.removed.removeFirst(state.removed.count - 1000) }
            return torrents.map { torrent in Self.assign(torrent.id, in: &state) }
        }
    }

    private static func assign(_ id: TorrentID, in state: inout State) -> Int {
        if let number = state.numberOf[id] { return number }
        let number = state.next
        state.next += 1
        state.numberOf[id] = number
        state.idOf[number] = id
        return number
    }

    func number(of id: TorrentID) -> Int? { state.withLockedValue { $0.numberOf[id] } }

    /// The number of a torrent just added (given now if it has none), without listing every torrent.
    func number(assigningTo id: TorrentID) -> Int {
        state.withLockedValue { state in Self.assign(id, in: &state) }
    }

    func id(of number: Int) -> TorrentID? { state.withLockedValue { $0.idOf[number] } }

    /// Torrents removed in the last minute.
    var recentlyRemoved: [Int] { state.withLockedValue { $0.removed.map(\.number) } }
}

/// Which torrents a request names: Transmission's `ids` argument (absent: all; a number; a hash;
/// a list of numbers and hashes; or `"recently-active"`).
enum TorrentSelection {
    case all
    case recentlyActive
    case some([TorrentID])

    init(_ value: Any?, numbers: TorrentNumbers) throws(RPCError) {
        guard let value else { self = .all; return }
        if let text = value as? String {
            if text == "recently-active" || text == "recently_active" { self = .recentlyActive; return }
            self = .some([try Self.resolve(text, numbers: numbers)].compactMap { $0 })
            return
        }
        if let list = value as? [Any] {
            var ids: [TorrentID] = []
            for item in list {
                if let id = try Self.resolve(item, numbers: numbers) { ids.append(id) }
            }
            self = .some(ids)
            return
        }
        self = .some([try Self.resolve(value, numbers: numbers)].compactMap { $0 })
    }

    /// A torrent number or hash; nil when it names no torrent (Transmission skips those quietly).
    private static func resolve(_ item: Any, numbers: TorrentNumbers) throws(RPCError) -> TorrentID? {
        if let text = item as? String {
            let hex = text.lowercased()
            if let number = Int(hex), hex.count < 12 { return numbers.id(of: number) }
            guard hex.count == 40 || hex.count == 64, hex.allSatisfy(\.isHexDigit) else {
                throw .argument("'\(text)' is neither a torrent number nor an info-hash")
            }
            return TorrentID(hex: hex)
        }
        if let number = RPCValue.int(item) { return numbers.id(of: number) }
        throw .argument("torrent ids must be numbers or info-hashes")
    }

    /// The selected rows of a snapshot, in the snapshot's order.
    func pick(from torrents: [TorrentSnapshot]) -> [TorrentSnapshot] {
        switch self {
        case .all: return torrents
        case .recentlyActive:
            return torrents.filter { $0.downloadRate > 0 || $0.uploadRate > 0 || Self.isBusy($0.phase) }
        case .some(let ids):
            let wanted = Set(ids)
            return torrents.filter { wanted.contains($0.id) }
        }
    }

    private static func isBusy(_ phase: TorrentPhase) -> Bool {
        switch phase {
        case .checking, .fetchingMetadata: true
        default: false
        }
    }
}
