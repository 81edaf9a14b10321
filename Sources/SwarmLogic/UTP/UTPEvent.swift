/// What a `UTPConnection` tells its owner besides bytes to deliver and packets to send.
public enum UTPEvent: Equatable, Sendable {
    /// The handshake finished (outgoing: the SYN was acknowledged).
    case connected
    /// The peer sent FIN and every byte before it was delivered: no more data will come.
    case endOfStream
    /// The connection is over: our FIN was acknowledged, or the peer reset it, or it failed.
    case closed(UTPCloseReason)
}

/// Why a uTP connection ended.
public enum UTPCloseReason: Equatable, Sendable {
    /// Both sides finished in order.
    case finished
    /// The peer sent ST_RESET.
    case reset
    /// No answer after repeated retransmissions (or to the SYN).
    case timedOut
    /// Nothing at all arrived for the idle limit.
    case idle
}
