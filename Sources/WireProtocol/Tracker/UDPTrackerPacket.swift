import TorrentCore

/// Encodes requests to and decodes replies from UDP trackers (BEP 15). All integers are big-endian.
public enum UDPTrackerPacket {
    /// The magic `protocol_id` of a connect request.
    public static let protocolID: UInt64 = 0x417_2710_1980

    /// The `action` field.
    public enum Action: UInt32, Sendable {
        case connect = 0
        case announce = 1
        case scrape = 2
        case error = 3
    }

    /// A UDP tracker's reply, checked against the request it answers.
    public enum Reply: Equatable, Sendable {
        case connected(connectionID: UInt64)
        case announced(AnnounceResponse)
        /// Counts in the order the info-hashes were asked for.
        case scraped([ScrapeStats])
        /// The tracker refused the request and said why.
        case error(message: String)
    }

    /// The most info-hashes one scrape request may carry (the reply must fit one datagram).
    public static let maxScrapeHashes = 74

    // MARK: - Requests

    /// A 16-byte connect request.
    public static func connectRequest(transactionID: UInt32) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(16)
        append(protocolID, to: &out)
        append(Action.connect.rawValue, to: &out)
        append(transactionID, to: &out)
        return out
    }

    /// A 98-byte announce request. `ipv4` 0 lets the tracker use the packet's source address;
    /// a nil `numWant` is sent as -1 (the tracker's default).
    public static func announceRequest(connectionID: UInt64, transactionID: UInt32, request: AnnounceRequest,
                                       ipv4: UInt32 = 0) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(98)
        append(connectionID, to: &out)
        append(Action.announce.rawValue, to: &out)
        append(transactionID, to: &out)
        out.append(contentsOf: request.infoHash.bytes)
        out.append(contentsOf: fixed20(request.peerID))
        append(UInt64(max(0, request.downloaded)), to: &out)
        append(UInt64(max(0, request.left)), to: &out)
        append(UInt64(max(0, request.uploaded)), to: &out)
        append(request.event.udpValue, to: &out)
        append(ipv4, to: &out)
        append(request.key, to: &out)
        let numWant = request.numWant.map { Int32(clamping: max(0, $0)) } ?? -1
        append(UInt32(bitPattern: numWant), to: &out)
        out.append(UInt8(request.port >> 8))
        out.append(UInt8(request.port & 0xFF))
        return out
    }

    /// A scrape request for up to `maxScrapeHashes` info-hashes (extra ones are not sent).
    public static func scrapeRequest(connectionID: UInt64, transactionID: UInt32, infoHashes: [InfoHash]) -> [UInt8] {
        var out: [UInt8] = []
        append(connectionID, to: &out)
        append(Action.scrape.rawValue, to: &out)
        append(transactionID, to: &out)
        for hash in infoHashes.prefix(maxScrapeHashes) { out.append(contentsOf: hash.bytes) }
        return out
    }

    // MARK: - Replies

    /// The transaction id of any reply at least 8 bytes long, so a client can match it to a request.
    public static func transactionID(of packet: some Collection<UInt8>) -> UInt32? {
        let raw = Array(packet.prefix(8))
        guard raw.count == 8 else { return nil }
        return readUInt32(raw, at: 4)
    }

    /// Decodes `packet` as the reply to a request with `action` and `transactionID`.
    ///
    /// `family` says how announce peers are packed: 6 bytes each on an IPv4 socket, 18 on IPv6.
    /// `scrapeCount` is how many info-hashes the scrape asked about (the reply may carry fewer).
    public static func parseReply(_ packet: [UInt8], to action: Action, transactionID: UInt32,
                                  family: PeerAddressFamily = .ipv4, scrapeCount: Int = 0,
                                  peerLimit: Int = AnnounceResponse.defaultPeerLimit) throws(TrackerReplyError) -> Reply {
        guard packet.count >= 8 else {
            throw .packetTooShort(action: "\(action)", length: packet.count, minimum: 8)
        }
        let received = readUInt32(packet, at: 4)
        guard received == transactionID else { throw .transactionMismatch(expected: transactionID, received: received) }
        let replyAction = readUInt32(packet, at: 0)
        if replyAction == Action.error.rawValue {
            return .error(message: TrackerReplyError.displayText(packet[8...]))
        }
        guard replyAction == action.rawValue else {
            throw .unexpectedAction(replyAction, expected: "\(action.rawValue) (\(action)) or 3 (error)")
        }
        switch action {
        case .connect:
            guard packet.count >= 16 else { throw .packetTooShort(action: "connect", length: packet.count, minimum: 16) }
            return .connected(connectionID: readUInt64(packet, at: 8))
        case .announce:
            guard packet.count >= 20 else { throw .packetTooShort(action: "announce", length: packet.count, minimum: 20) }
            var notes: [String] = []
            func bounded(_ value: UInt32, _ name: String) -> Int? {
                guard value <= UInt32(Int32.max) else {
                    notes.append("ignored \(name) \(value): out of range")
                    return nil
                }
                return Int(value)
            }
            var response = AnnounceResponse()
            response.interval = bounded(readUInt32(packet, at: 8), "interval")
            response.leechers = bounded(readUInt32(packet, at: 12), "leechers")
            response.seeders = bounded(readUInt32(packet, at: 16), "seeders")
            var peers = CompactPeers(limit: peerLimit)
            peers.append(compact: packet[20...], family: family, field: "peers")
            response.peers = peers.peers
            response.notes = notes + peers.notes
            return .announced(response)
        case .scrape:
            let available = (packet.count - 8) / 12
            if scrapeCount > 0 && available == 0 {
                throw .packetTooShort(action: "scrape", length: packet.count, minimum: 20)
            }
            return .scraped((0..<min(available, scrapeCount)).map { index in
                let offset = 8 + index * 12
                return ScrapeStats(seeders: clamp(readUInt32(packet, at: offset)),
                                   completed: clamp(readUInt32(packet, at: offset + 4)),
                                   leechers: clamp(readUInt32(packet, at: offset + 8)))
            })
        case .error:
            throw .unexpectedAction(replyAction, expected: "a reply to a request")
        }
    }

    // MARK: - Bytes

    private static func fixed20(_ bytes: [UInt8]) -> [UInt8] {
        Array((bytes + [UInt8](repeating: 0, count: 20)).prefix(20))
    }

    private static func clamp(_ value: UInt32) -> Int {
        Int(min(value, UInt32(Int32.max)))
    }

    private static func append(_ value: UInt64, to out: inout [UInt8]) {
        for shift in stride(from: 56, through: 0, by: -8) { out.append(UInt8(truncatingIfNeeded: value >> UInt64(shift))) }
    }

    private static func append(_ value: UInt32, to out: inout [UInt8]) {
        for shift in stride(from: 24, through: 0, by: -8) { out.append(UInt8(truncatingIfNeeded: value >> UInt32(shift))) }
    }

    private static func readUInt32(_ bytes: [UInt8], at offset: Int) -> UInt32 {
        bytes[offset..<offset + 4].reduce(0) { $0 << 8 | UInt32($1) }
    }

    private static func readUInt64(_ bytes: [UInt8], at offset: Int) -> UInt64 {
        bytes[offset..<offset + 8].reduce(0) { $0 << 8 | UInt64($1) }
    }
}
