/// The state and rarity of every piece, for the bitmap pane.
public struct PieceMap: Sendable, Equatable {
    /// What we hold of one piece.
    public enum State: UInt8, Sendable {
        case missing = 0, downloading, have, skipped
    }

    /// One byte per piece: a `State` raw value.
    public var states: [UInt8]
    /// Connected peers that have each piece (capped at 65535); empty when the engine does not
    /// know (a remote server that does not report it), which panes show as unknown, not as zero.
    public var availability: [UInt16]

    public init(states: [UInt8], availability: [UInt16]) {
        self.states = states
        self.availability = availability
    }

    public var count: Int { states.count }

    /// Whether `availability` holds a count for every piece.
    public var isAvailabilityKnown: Bool { availability.count == states.count && !states.isEmpty }

    public func state(of piece: Int) -> State { State(rawValue: states[piece]) ?? .missing }
}
