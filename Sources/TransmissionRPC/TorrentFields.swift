import EngineAPI
import Foundation

/// What one `torrent-get` field reads.
struct TorrentFieldInput {
    let row: TorrentSnapshot
    let number: Int
    /// Peers, files, trackers and pieces, present when a requested field needs them.
    let detail: TorrentDetail?
    let now: Date
}

/// The `torrent-get` fields: every field of RPC version 17 (the ones the engine has no notion of
/// answer Transmission's neutral value), plus rill's own, named `rill-…`.
enum TorrentFields {
    typealias Reader = @Sendable (TorrentFieldInput) -> Any

    /// Fields that need the torrent's detail (peers, files, trackers, pieces).
    static let needDetail: Set<String> = [
        "files", "fileStats", "priorities", "wanted", "peers", "peersFrom", "peersGettingFromUs", "peersSendingToUs",
        "trackers", "trackerStats", "trackerList", "pieces", "availability", "magnetLink", "comment", "creator",
        "dateCreated", "desiredAvailable", "webseeds", "webseedsSendingToUs", "rill-pieceStates", "rill-availability",
    ]

    /// Detail fields read from the torrent's peers and web seeds only: a torrent with neither
    /// answers them without its detail (`transmission-remote -l` asks two of them for every torrent).
    static let fromPeersOnly: Set<String> = [
        "peers", "peersFrom", "peersGettingFromUs", "peersSendingToUs", "webseedsSendingToUs",
    ]

    static func reader(_ name: String) -> Reader? { table[name] }

    static let names: [String] = Array(table.keys)

    private static let table: [String: Reader] = {
        var t: [String: Reader] = [:]
        // Identity and sizes.
        t["id"] = { $0.number }
        t["name"] = { $0.row.name }
        t["hashString"] = { $0.row.id.hex }
        t["totalSize"] = { $0.row.totalSize }
        t["sizeWhenDone"] = { $0.row.wantedSize }
        t["leftUntilDone"] = { $0.row.leftBytes }
        t["haveValid"] = { $0.row.verifiedBytes }
        t["haveUnchecked"] = { _ in 0 }
        t["percentDone"] = { $0.row.progress }
        t["percentComplete"] = { $0.row.totalSize == 0 ? 0 : Double($0.row.verifiedBytes) / Double($0.row.totalSize) }
        t["pieceCount"] = { $0.row.pieceCount }
        t["pieceSize"] = { $0.row.pieceSize }
        t["file-count"] = { $0.row.fileCount }
        t["isPrivate"] = { $0.row.isPrivate }
        t["downloadDir"] = { $0.row.downloadDirectory }
        t["labels"] = { $0.row.labels }
        t["group"] = { _ in "" }
        t["primary-mime-type"] = { _ in "application/octet-stream" }
        t["torrentFile"] = { _ in "" }
        // State.
        t["status"] = { TorrentStatus.code(of: $0.row) }
        t["error"] = { TorrentStatus.error(of: $0.row).code }
        t["errorString"] = { TorrentStatus.error(of: $0.row).message }
        t["isFinished"] = { input in
            if case .finished = input.row.phase { return true }
            if let goal = input.row.ratioGoal, input.row.isComplete, TorrentStatus.ratio(of: input.row) >= goal {
                return true
            }
            return false
        }
        t["isStalled"] = { input in
            TorrentStatus.code(of: input.row) == TorrentStatus.downloading && input.row.downloadRate < 1
                && input.row.peers == 0
        }
        t["metadataPercentComplete"] = { input in
            if case .fetchingMetadata = input.row.phase { return input.row.progress }
            return 1.0
        }
        t["recheckProgress"] = { input in
            if case .checking(let progress) = input.row.phase { return progress }
            return 0.0
        }
        t["queuePosition"] = { $0.row.queuePosition }
        t["sequentialDownload"] = { $0.row.sequential }
        // Transfer.
        t["rateDownload"] = { Int($0.row.downloadRate) }
        t["rateUpload"] = { Int($0.row.uploadRate) }
        t["downloadedEver"] = { $0.row.downloaded }
        t["uploadedEver"] = { $0.row.uploaded }
        t["corruptEver"] = { $0.row.hashFailures * $0.row.pieceSize }
        t["uploadRatio"] = { TorrentStatus.ratio(of: $0.row) }
        t["eta"] = { TorrentStatus.eta(of: $0.row) }
        t["etaIdle"] = { _ in -1 }
        t["peersConnected"] = { $0.row.peers }
        t["peer-limit"] = { _ in 0 }
        t["maxConnectedPeers"] = { _ in 0 }
        t["webseeds"] = { input in (input.detail?.peers ?? []).filter { $0.flags.contains(.webSeed) }.map(\.address) }
        // Limits and goals.
        t["downloadLimit"] = { ($0.row.downloadLimit ?? 0) / 1000 }
        t["downloadLimited"] = { $0.row.downloadLimit != nil }
        t["uploadLimit"] = { ($0.row.uploadLimit ?? 0) / 1000 }
        t["uploadLimited"] = { $0.row.uploadLimit != nil }
        t["honorsSessionLimits"] = { _ in true }
        t["bandwidthPriority"] = { _ in 0 }
        t["seedRatioLimit"] = { $0.row.ratioGoal ?? 0 }
        t["seedRatioMode"] = { $0.row.ratioGoal == nil ? ($0.row.seedWhenComplete ? 2 : 1) : 1 }
        t["seedIdleLimit"] = { _ in 0 }
        t["seedIdleMode"] = { _ in 0 }
        // Dates (seconds since 1970; 0 for never).
        t["addedDate"] = { Int($0.row.addedDate ?? 0) }
        t["doneDate"] = { Int($0.row.doneDate ?? 0) }
        t["startDate"] = { Int($0.row.addedDate ?? 0) }
        t["activityDate"] = { input in
            input.row.downloadRate > 0 || input.row.uploadRate > 0 ? Int(input.now.timeIntervalSince1970)
                : Int(input.row.doneDate ?? input.row.addedDate ?? 0)
        }
        t["editDate"] = { _ in 0 }
        t["manualAnnounceTime"] = { _ in -1 }
        t["secondsDownloading"] = { _ in 0 }
        t["secondsSeeding"] = { _ in 0 }
        // From the detail.
        t["magnetLink"] = { $0.detail?.magnetLink ?? "" }
        t["comment"] = { $0.detail?.comment ?? "" }
        t["creator"] = { $0.detail?.creator ?? "" }
        t["dateCreated"] = { Int($0.detail?.creationDate ?? 0) }
        t["files"] = { input in TorrentDetailFields.files(input) }
        t["fileStats"] = { input in TorrentDetailFields.fileStats(input) }
        t["priorities"] = { input in (input.detail?.files ?? []).map { TorrentDetailFields.priority($0.priority) } }
        t["wanted"] = { input in (input.detail?.files ?? []).map { $0.priority == .skip ? 0 : 1 } }
        t["peers"] = { input in
            (input.detail?.peers ?? []).filter { !$0.flags.contains(.webSeed) }.map(TorrentDetailFields.peer)
        }
        t["peersFrom"] = { input in TorrentDetailFields.peersFrom(input.detail?.peers ?? []) }
        t["peersGettingFromUs"] = { input in (input.detail?.peers ?? []).count { $0.uploadRate > 0 } }
        t["peersSendingToUs"] = { input in (input.detail?.peers ?? []).count { $0.downloadRate > 0 } }
        t["webseedsSendingToUs"] = { input in
            (input.detail?.peers ?? []).count { $0.flags.contains(.webSeed) && $0.downloadRate > 0 }
        }
        t["trackers"] = { input in TorrentDetailFields.trackers(input.detail?.trackers ?? []) }
        t["trackerStats"] = { input in TorrentDetailFields.trackerStats(input.detail?.trackers ?? [], now: input.now) }
        t["trackerList"] = { input in TorrentDetailFields.trackerList(input.detail?.trackers ?? []) }
        t["pieces"] = { input in TorrentDetailFields.pieceBitfield(input.detail?.pieces) }
        t["availability"] = { input in TorrentDetailFields.availability(input.detail?.pieces) }
        t["desiredAvailable"] = { input in TorrentDetailFields.desiredAvailable(input) }
        t["rill-pieceStates"] = { input in Data(input.detail?.pieces.states ?? []).base64EncodedString() }
        t["rill-availability"] = { input in
            Data((input.detail?.pieces.availability ?? []).map { UInt8(min(255, $0)) }).base64EncodedString()
        }
        return t
    }()
}
