import TorrentCore

/// Why a client announces: the first announce, the moment the download completes, when it stops,
/// or a regular update.
public enum AnnounceEvent: Hashable, Sendable, CaseIterable {
    case none
    case started
    case completed
    case stopped

    /// The `event` query value for HTTP trackers; nil for a regular update (the key is left out).
    public var httpValue: String? {
        switch self {
        case .none: nil
        case .started: "started"
        case .completed: "completed"
        case .stopped: "stopped"
        }
    }

    /// The event code in a UDP announce (BEP 15).
    public var udpValue: UInt32 {
        switch self {
        case .none: 0
        case .completed: 1
        case .started: 2
        case .stopped: 3
        }
    }
}

/// What a client tells a tracker about one torrent, and the HTTP announce URL built from it (BEP 3, 23).
///
/// The same parameters feed the UDP announce packet (`UDPTrackerPacket.announceRequest`).
public struct AnnounceRequest: Hashable, Sendable {
    public var infoHash: InfoHash
    /// Our 20-byte peer id (raw bytes).
    public var peerID: [UInt8]
    /// The port we accept peer connections on.
    public var port: UInt16
    public var uploaded: Int64
    public var downloaded: Int64
    /// Bytes still missing; 0 when seeding.
    public var left: Int64
    public var event: AnnounceEvent
    /// How many peers we would like; nil lets the tracker choose.
    public var numWant: Int?
    /// A number that stays the same for this session, so a tracker can recognise us across IP changes.
    public var key: UInt32
    /// The `tracker id` an earlier reply from this tracker asked us to send back.
    public var trackerID: [UInt8]?
    /// Ask for the 6-bytes-per-peer compact list (BEP 23); most trackers require it.
    public var compact: Bool
    /// Ask the tracker to leave peer ids out of a non-compact reply.
    public var noPeerID: Bool

    public init(infoHash: InfoHash, peerID: [UInt8], port: UInt16, uploaded: Int64 = 0, downloaded: Int64 = 0,
                left: Int64, event: AnnounceEvent = .none, numWant: Int? = nil, key: UInt32 = 0,
                trackerID: [UInt8]? = nil, compact: Bool = true, noPeerID: Bool = true) {
        self.infoHash = infoHash
        self.peerID = peerID
        self.port = port
        self.uploaded = uploaded
        self.downloaded = downloaded
        self.left = left
        self.event = event
        self.numWant = numWant
        self.key = key
        self.trackerID = trackerID
        self.compact = compact
        self.noPeerID = noPeerID
    }

    /// The query items in the order rill sends them, values already percent-encoded.
    public var httpQueryItems: [(name: String, value: String)] {
        var items: [(String, String)] = [
            ("info_hash", URLPercentEncoding.encode(infoHash.bytes)),
            ("peer_id", URLPercentEncoding.encode(peerID)),
            ("port", String(port)),
            ("uploaded", String(max(0, uploaded))),
            ("downloaded", String(max(0, downloaded))),
            ("left", String(max(0, left))),
        ]
        if compact { items.append(("compact", "1")) }
        if noPeerID { items.append(("no_peer_id", "1")) }
        if let event = event.httpValue { items.append(("event", event)) }
        if let numWant { items.append(("numwant", String(max(0, numWant)))) }
        items.append(("key", Self.hex8(key)))
        if let trackerID { items.append(("trackerid", URLPercentEncoding.encode(trackerID))) }
        return items
    }

    /// The full announce URL: `announceURL` with this request's query appended (after `&` when the
    /// URL already carries a query such as a passkey). A fragment in `announceURL` is dropped.
    public func httpURL(announce announceURL: String) -> String {
        URLPercentEncoding.appendQuery(httpQueryItems.map { "\($0.name)=\($0.value)" }.joined(separator: "&"),
                                       to: announceURL)
    }

    private static func hex8(_ value: UInt32) -> String {
        let text = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: 8 - text.count) + text
    }
}
