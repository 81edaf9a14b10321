/// The `type` nibble of a uTP header (BEP 29).
public enum UTPPacketType: UInt8, Sendable, CaseIterable {
    /// Payload; takes a sequence number.
    case data = 0
    /// The sender's last packet; takes a sequence number.
    case fin = 1
    /// A bare acknowledgement (no sequence number of its own).
    case state = 2
    /// Ends the connection at once.
    case reset = 3
    /// Opens a connection; takes a sequence number.
    case syn = 4
}
