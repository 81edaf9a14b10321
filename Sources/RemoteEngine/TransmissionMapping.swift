import EngineAPI
import Foundation

/// Turns Transmission RPC objects into the facade's snapshots. Pure: `now` is a parameter.
/// Values the server does not send stay unknown (nil, empty) instead of becoming zero.
enum TransmissionMapping {
    /// The session's settings, rates and limits from `session-get` and `session-stats`.
    struct Session {
        var settings = SessionSettings()
        var downloadLimit: Int?
        var uploadLimit: Int?
        var listenPort = 0
        var freeDiskSpace: Int?
        var maxActiveDownloads: Int?
        var maxActiveSeeds: Int?
        var rpcVersion = 0
        var globalRatioGoal: Double?
        /// Bytes in one "kB" of the speed settings (Transmission: 1000).
        var speedUnit = 1000
        var dht: DHTHealth?
        var connections: Int?
        var downloadRate: Double = 0
        var uploadRate: Double = 0
        var uptime: Double = 0

        var isRill: Bool { settings.version.lowercased().hasPrefix("rill") }
    }

    static func session(get values: JSONObject) -> Session {
        var session = Session()
        session.speedUnit = values.object("units")?.int("speed-bytes").flatMap { $0 > 0 ? $0 : nil } ?? 1000
        session.rpcVersion = values.int("rpc-version") ?? 0
        func limit(_ key: String) -> Int? {
            guard values.bool("\(key)-enabled") == true, let kilo = values.int(key) else { return nil }
            return kilo * session.speedUnit
        }
        session.downloadLimit = limit("speed-limit-down")
        session.uploadLimit = limit("speed-limit-up")
        session.listenPort = values.int("peer-port") ?? 0
        session.freeDiskSpace = values.int("download-dir-free-space").flatMap { $0 >= 0 ? $0 : nil }
        if values.bool("download-queue-enabled") == true {
            session.maxActiveDownloads = values.int("download-queue-size")
        }
        if values.bool("seed-queue-enabled") == true { session.maxActiveSeeds = values.int("seed-queue-size") }
        if values.bool("seedRatioLimited") == true { session.globalRatioGoal = values.double("seedRatioLimit") }
        session.settings = SessionSettings(
            defaultDirectory: values.string("download-dir") ?? "",
            encryption: values.string("encryption") ?? "preferred",
            dhtEnabled: values.bool("dht-enabled") ?? false,
            localDiscoveryEnabled: values.bool("lpd-enabled") ?? false,
            peerExchangeEnabled: values.bool("pex-enabled") ?? false,
            utpEnabled: values.bool("utp-enabled") ?? false,
            maxConnections: values.int("peer-limit-global") ?? 0,
            maxConnectionsPerTorrent: values.int("peer-limit-per-torrent") ?? 0,
            version: values.string("version") ?? "")
        if let dht = values.object("rill-dht"), let nodes = dht.int("nodes") {
            session.dht = DHTHealth(nodes: nodes, goodNodes: dht.int("goodNodes") ?? 0,
                                    lookupsInFlight: dht.int("lookupsInFlight") ?? 0,
                                    secondsSinceBootstrap: dht.double("secondsSinceBootstrap"))
        }
        session.connections = values.int("rill-connections")
        return session
    }

    static func apply(stats values: JSONObject, to session: inout Session) {
        session.downloadRate = values.double("downloadSpeed") ?? 0
        session.uploadRate = values.double("uploadSpeed") ?? 0
        session.uptime = values.object("current-stats")?.double("secondsActive") ?? 0
    }

    /// Transmission's `status`: 0 stopped, 1 queued to check, 2 checking, 3 queued to download,
    /// 4 downloading, 5 queued to seed, 6 seeding. `error` 3 is a local (disk) error; 1 and 2 are
    /// tracker warnings and errors, which do not stop the torrent.
    static func phase(_ values: JSONObject) -> TorrentPhase {
        if values.int("error") == 3 { return .failed(values.string("errorString") ?? "local error") }
        let recheck = values.double("recheckProgress") ?? 0
        switch values.int("status") ?? 0 {
        case 1, 2: return .checking(progress: recheck)
        case 3, 5: return .queued
        case 4: return (values.double("metadataPercentComplete") ?? 1) < 1 ? .fetchingMetadata : .downloading
        case 6: return .seeding
        default: return values.bool("isFinished") == true ? .finished : .paused
        }
    }

    /// One row of `torrent-get`; nil when it lacks the info-hash that names it.
    static func torrent(_ values: JSONObject, session: Session) -> TorrentSnapshot? {
        guard let hash = values.string("hashString"), hash.count == 40 else { return nil }
        let totalSize = values.int("totalSize") ?? 0
        let wanted = values.int("sizeWhenDone") ?? totalSize
        let left = values.int("leftUntilDone") ?? 0
        let eta = values.int("eta").flatMap { $0 >= 0 ? Double($0) : nil }
        let ratioGoal: Double?
        switch values.int("seedRatioMode") {
        case 1: ratioGoal = values.double("seedRatioLimit")
        case 2: ratioGoal = nil
        default: ratioGoal = session.globalRatioGoal
        }
        let uploaded = values.int("uploadedEver") ?? 0
        let downloaded = values.int("downloadedEver") ?? 0
        let error = values.int("error") ?? 0
        let pieceSize = values.int("pieceSize") ?? 0
        let verified = values.int("haveValid") ?? 0
        let pieceCount = values.int("pieceCount") ?? 0
        // The last piece is short, so whole data counts every piece.
        let piecesHave = verified >= totalSize && totalSize > 0
            ? pieceCount : (pieceSize > 0 ? verified / pieceSize : 0)
        var row = TorrentSnapshot(
            id: TorrentID(hex: hash), name: values.string("name") ?? hash, totalSize: totalSize,
            progress: values.double("percentDone") ?? 0, phase: phase(values),
            downloadRate: values.double("rateDownload") ?? 0, uploadRate: values.double("rateUpload") ?? 0,
            downloaded: downloaded, uploaded: uploaded, peers: values.int("peersConnected") ?? 0,
            eta: eta, queuePosition: values.int("queuePosition") ?? 0, isPrivate: values.bool("isPrivate") ?? false,
            seedWhenComplete: ratioGoal != 0, ratioGoal: ratioGoal, wantedSize: wanted, leftBytes: left,
            piecesHave: piecesHave, pieceCount: pieceCount,
            fileCount: values.int("file-count") ?? 0,
            trackerMessage: (error == 1 || error == 2) ? values.string("errorString") : nil,
            sequential: values.bool("sequentialDownload") ?? values.bool("sequential_download") ?? false,
            downloadDirectory: values.string("downloadDir") ?? "")
        row.labels = values.strings("labels") ?? []
        row.addedDate = values.double("addedDate").flatMap { $0 > 0 ? $0 : nil }
        row.doneDate = values.double("doneDate").flatMap { $0 > 0 ? $0 : nil }
        row.verifiedBytes = verified
        row.pieceSize = pieceSize
        return row
    }

    /// The detail fields of one torrent (files, peers, trackers, pieces).
    static func detail(_ values: JSONObject, name: String, now: Double) -> TorrentDetail? {
        guard let hash = values.string("hashString"), hash.count == 40 else { return nil }
        let statsList = values.objects("fileStats")
        let fileList = values.objects("files")
        let prefix = fileList.count > 1 ? name + "/" : ""
        let files = fileList.enumerated().map { index, file in
            let size = file.int("length") ?? 0
            let done = file.int("bytesCompleted") ?? 0
            var path = file.string("name") ?? "file \(index)"
            if !prefix.isEmpty, path.hasPrefix(prefix) { path.removeFirst(prefix.count) }
            let stats = index < statsList.count ? statsList[index] : nil
            return FileSnapshot(path: path, size: size, progress: size > 0 ? Double(done) / Double(size) : 1,
                                priority: filePriority(wanted: stats?.bool("wanted"), priority: stats?.int("priority")))
        }
        let trackers = values.objects("trackerStats").map { tracker($0, now: now) }
        let peers = values.objects("peers").map(peer)
        return TorrentDetail(id: TorrentID(hex: hash), peers: peers, files: files, trackers: trackers,
                             pieces: pieces(values), magnetLink: values.string("magnetLink"),
                             comment: values.string("comment").flatMap { $0.isEmpty ? nil : $0 },
                             creator: values.string("creator").flatMap { $0.isEmpty ? nil : $0 },
                             creationDate: values.double("dateCreated").flatMap { $0 > 0 ? $0 : nil })
    }

    /// Transmission's priority is -1 low, 0 normal, 1 high; an unwanted file is skipped.
    static func filePriority(wanted: Bool?, priority: Int?) -> FilePriority {
        if wanted == false { return .skip }
        switch priority ?? 0 {
        case ..<0: return .low
        case 1...: return .high
        default: return .normal
        }
    }

    /// `pieces` is a base64 bitfield, the first piece in the high bit of the first byte; rill's
    /// `rill-pieceStates` (one state byte per piece) and `rill-availability` say more when present.
    static func pieces(_ values: JSONObject) -> PieceMap {
        let count = max(0, values.int("pieceCount") ?? 0)
        var states: [UInt8]
        if let rich = values.base64("rill-pieceStates"), rich.count == count {
            states = rich.map { PieceMap.State(rawValue: $0) == nil ? PieceMap.State.missing.rawValue : $0 }
        } else {
            let bits = values.base64("pieces") ?? []
            states = (0..<count).map { piece in
                let byte = piece / 8
                let have = byte < bits.count && bits[byte] & (0x80 >> UInt8(piece % 8)) != 0
                return (have ? PieceMap.State.have : .missing).rawValue
            }
        }
        var availability: [UInt16] = []
        if let counts = values.base64("rill-availability"), counts.count == count {
            availability = counts.map(UInt16.init)
        }
        return PieceMap(states: states, availability: availability)
    }

    /// Transmission's `announceState`: 0 inactive, 1 waiting, 2 queued, 3 announcing.
    static func tracker(_ values: JSONObject, now: Double) -> TrackerSnapshot {
        let announced = values.bool("hasAnnounced") ?? false
        let succeeded = values.bool("lastAnnounceSucceeded") ?? false
        var status: String
        switch values.int("announceState") {
        case 0: status = "inactive"
        case 2: status = "queued"
        case 3: status = "announcing"
        default: status = announced ? (succeeded ? "working" : "error") : "waiting"
        }
        if values.int("announceState") == 1, announced { status = succeeded ? "working" : "error" }
        let next = values.double("nextAnnounceTime").flatMap { $0 > 0 ? max(0, $0 - now) : nil }
        return TrackerSnapshot(
            url: values.string("announce") ?? "", tier: values.int("tier") ?? 0, status: status,
            lastError: announced && !succeeded ? values.string("lastAnnounceResult") : nil, nextAnnounce: next,
            seeders: values.int("seederCount").flatMap { $0 >= 0 ? $0 : nil },
            leechers: values.int("leecherCount").flatMap { $0 >= 0 ? $0 : nil })
    }

    /// A peer of `peers`. Transmission's flag letters name the source (X pex, H dht, I incoming);
    /// rill's daemon adds `rill-source` and `rill-requestsInFlight`.
    static func peer(_ values: JSONObject) -> PeerSnapshot {
        let address = values.string("address") ?? "?"
        let port = values.int("port") ?? 0
        let flagLetters = values.string("flagStr") ?? ""
        var flags: PeerFlags = []
        if values.bool("clientIsInterested") == true { flags.insert(.weAreInterested) }
        if values.bool("peerIsChoked") ?? true { flags.insert(.weChoke) }
        if values.bool("peerIsInterested") == true { flags.insert(.peerInterested) }
        if values.bool("clientIsChoked") ?? true { flags.insert(.peerChokes) }
        if values.bool("isIncoming") == true || flagLetters.contains("I") { flags.insert(.incoming) }
        if values.bool("isEncrypted") == true || flagLetters.contains("E") { flags.insert(.encrypted) }
        if flagLetters.contains("O") { flags.insert(.optimistic) }
        let progress = values.double("progress") ?? 0
        if progress >= 1 { flags.insert(.seed) }
        var source = values.string("rill-source") ?? "?"
        if values.string("rill-source") == nil {
            if flagLetters.contains("X") { source = "pex" }
            else if flagLetters.contains("H") { source = "dht" }
            else if flags.contains(.incoming) { source = "incoming" }
        }
        return PeerSnapshot(address: address.contains(":") ? "[\(address)]:\(port)" : "\(address):\(port)",
                            client: values.string("clientName") ?? "", flags: flags,
                            downloadRate: values.double("rateToClient") ?? 0,
                            uploadRate: values.double("rateToPeer") ?? 0,
                            progress: progress, requestsInFlight: values.int("rill-requestsInFlight"), source: source)
    }
}
