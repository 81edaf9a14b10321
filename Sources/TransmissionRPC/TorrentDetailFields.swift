import EngineAPI
import Foundation

/// The `torrent-get` fields built from a torrent's detail: files, peers, trackers, pieces.
enum TorrentDetailFields {
    /// Transmission's file priority numbers: -1 low, 0 normal, 1 high (a skipped file is
    /// "unwanted" and keeps normal).
    static func priority(_ priority: FilePriority) -> Int {
        switch priority {
        case .low: -1
        case .skip, .normal: 0
        case .high: 1
        }
    }

    /// File names as Transmission gives them: the torrent's folder, then the path inside it
    /// (the engine's paths already start with the folder).
    private static func fileName(_ file: FileSnapshot, in input: TorrentFieldInput) -> String { file.path }

    private static func bytesCompleted(_ file: FileSnapshot) -> Int {
        file.progress >= 1 ? file.size : Int((Double(file.size) * file.progress).rounded(.down))
    }

    static func files(_ input: TorrentFieldInput) -> [[String: Any]] {
        (input.detail?.files ?? []).map { file in
            ["name": fileName(file, in: input), "length": file.size, "bytesCompleted": bytesCompleted(file)]
        }
    }

    static func fileStats(_ input: TorrentFieldInput) -> [[String: Any]] {
        (input.detail?.files ?? []).map { file in
            ["bytesCompleted": bytesCompleted(file), "wanted": file.priority != .skip, "priority": priority(file.priority)]
        }
    }

    /// Splits `1.2.3.4:5678` or `[::1]:5678` into host and port.
    static func hostAndPort(_ address: String) -> (String, Int) {
        if address.hasPrefix("["), let close = address.firstIndex(of: "]") {
            let host = String(address[address.index(after: address.startIndex)..<close])
            let port = Int(address[address.index(after: close)...].dropFirst()) ?? 0
            return (host, port)
        }
        guard let colon = address.lastIndex(of: ":") else { return (address, 0) }
        return (String(address[..<colon]), Int(address[address.index(after: colon)...]) ?? 0)
    }

    static func peer(_ peer: PeerSnapshot) -> [String: Any] {
        let (host, port) = hostAndPort(peer.address)
        let flags = peer.flags
        let downloadingFrom = !flags.contains(.peerChokes) && flags.contains(.weAreInterested)
        let uploadingTo = !flags.contains(.weChoke) && flags.contains(.peerInterested)
        var object: [String: Any] = [
            "address": host, "port": port, "clientName": peer.client, "flagStr": flagString(peer),
            "progress": peer.progress, "rateToClient": Int(peer.downloadRate), "rateToPeer": Int(peer.uploadRate),
            "isEncrypted": flags.contains(.encrypted), "isIncoming": flags.contains(.incoming),
            "isUTP": flags.contains(.utp),
            "clientIsChoked": flags.contains(.peerChokes), "clientIsInterested": flags.contains(.weAreInterested),
            "peerIsChoked": flags.contains(.weChoke), "peerIsInterested": flags.contains(.peerInterested),
            "isDownloadingFrom": downloadingFrom, "isUploadingTo": uploadingTo,
            "rill-source": peer.source,
        ]
        object["rill-requestsInFlight"] = peer.requestsInFlight
        return object
    }

    /// Transmission's peer letters: O optimistic, D/d downloading from / interested and choked,
    /// U/u uploading to / it is interested and choked, K/? unchoked but not interested (either
    /// side), E encrypted, X pex, H dht, I incoming, T uTP.
    static func flagString(_ peer: PeerSnapshot) -> String {
        let flags = peer.flags
        var out = ""
        if flags.contains(.optimistic) { out += "O" }
        if flags.contains(.weAreInterested) { out += flags.contains(.peerChokes) ? "d" : "D" }
        else if !flags.contains(.peerChokes) { out += "K" }
        if flags.contains(.peerInterested) { out += flags.contains(.weChoke) ? "u" : "U" }
        else if !flags.contains(.weChoke) { out += "?" }
        if flags.contains(.encrypted) { out += "E" }
        switch peer.source {
        case "pex": out += "X"
        case "dht": out += "H"
        default: break
        }
        if flags.contains(.incoming) { out += "I" }
        if flags.contains(.utp) { out += "T" }
        return out
    }

    static func peersFrom(_ peers: [PeerSnapshot]) -> [String: Any] {
        let count = { (sources: Set<String>) in peers.count { sources.contains($0.source) } }
        return ["fromCache": count(["resume"]), "fromDht": count(["dht"]), "fromIncoming": count(["incoming"]),
                "fromLpd": count(["lsd"]), "fromLtep": count(["manual"]), "fromPex": count(["pex"]),
                "fromTracker": count(["tracker"])]
    }

    private static func host(of url: String) -> String {
        URL(string: url)?.host ?? url
    }

    /// The tracker's site name as Transmission shows it: the host without its first label when
    /// that is a common prefix ("tracker.example.org" → "example").
    private static func siteName(of url: String) -> String {
        let labels = host(of: url).split(separator: ".")
        guard labels.count >= 2 else { return host(of: url) }
        return String(labels[labels.count - 2])
    }

    private static func scrapeURL(of url: String) -> String {
        guard let range = url.range(of: "/announce", options: .backwards) else { return "" }
        return url.replacingCharacters(in: range, with: "/scrape")
    }

    static func trackers(_ trackers: [TrackerSnapshot]) -> [[String: Any]] {
        trackers.enumerated().map { index, tracker in
            ["announce": tracker.url, "id": index, "scrape": scrapeURL(of: tracker.url),
             "sitename": siteName(of: tracker.url), "tier": max(0, tracker.tier - 1)]
        }
    }

    static func trackerStats(_ trackers: [TrackerSnapshot], now: Date) -> [[String: Any]] {
        trackers.enumerated().map { index, tracker in
            let working = tracker.status == "working"
            let announcing = tracker.status == "announcing"
            let next = tracker.nextAnnounce.map { Int(now.timeIntervalSince1970 + $0) } ?? 0
            // announceState: 0 inactive, 1 waiting, 2 queued, 3 active.
            let state = announcing ? 3 : tracker.nextAnnounce != nil ? 1 : 0
            return [
                "id": index, "announce": tracker.url, "scrape": scrapeURL(of: tracker.url), "host": host(of: tracker.url),
                "sitename": siteName(of: tracker.url), "tier": max(0, tracker.tier - 1), "isBackup": tracker.status == "standby",
                "announceState": state, "scrapeState": 0, "hasAnnounced": working || tracker.lastError != nil,
                "hasScraped": false, "lastAnnounceSucceeded": working, "lastAnnounceTimedOut": false,
                "lastAnnounceResult": tracker.lastError ?? (working ? "Success" : ""),
                "lastAnnounceTime": 0, "lastAnnounceStartTime": 0, "lastAnnouncePeerCount": 0,
                "nextAnnounceTime": next, "lastScrapeResult": "", "lastScrapeSucceeded": false,
                "lastScrapeTime": 0, "lastScrapeStartTime": 0, "lastScrapeTimedOut": false, "nextScrapeTime": 0,
                "seederCount": tracker.seeders ?? -1, "leecherCount": tracker.leechers ?? -1, "downloadCount": -1,
            ]
        }
    }

    static func trackerList(_ trackers: [TrackerSnapshot]) -> String {
        var lines: [String] = []
        var lastTier: Int?
        for tracker in trackers {
            if let lastTier, lastTier != tracker.tier { lines.append("") }
            lines.append(tracker.url)
            lastTier = tracker.tier
        }
        return lines.joined(separator: "\n")
    }

    /// The verified pieces as a base64 bitfield, high bit first (as the wire protocol's).
    static func pieceBitfield(_ pieces: PieceMap?) -> String {
        guard let pieces else { return "" }
        var bytes = [UInt8](repeating: 0, count: (pieces.count + 7) / 8)
        for piece in 0..<pieces.count where pieces.state(of: piece) == .have {
            bytes[piece >> 3] |= 0x80 >> UInt8(piece & 7)
        }
        return Data(bytes).base64EncodedString()
    }

    /// Connected peers per piece, -1 for pieces we have.
    static func availability(_ pieces: PieceMap?) -> [Int] {
        guard let pieces else { return [] }
        // An engine that does not know availability leaves it empty (PieceMap.isAvailabilityKnown).
        let known = pieces.isAvailabilityKnown
        return (0..<pieces.count).map { pieces.state(of: $0) == .have ? -1 : (known ? Int(pieces.availability[$0]) : 0) }
    }

    /// Wanted bytes we lack that some connected peer has.
    static func desiredAvailable(_ input: TorrentFieldInput) -> Int {
        guard let pieces = input.detail?.pieces, pieces.isAvailabilityKnown, input.row.pieceSize > 0 else { return 0 }
        var bytes = 0
        for piece in 0..<pieces.count {
            let state = pieces.state(of: piece)
            if state != .have && state != .skipped && pieces.availability[piece] > 0 { bytes += input.row.pieceSize }
        }
        return min(bytes, input.row.leftBytes)
    }
}
