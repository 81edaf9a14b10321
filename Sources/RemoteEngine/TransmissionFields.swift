/// The `torrent-get` fields RemoteEngine asks for, chosen by what the server speaks. Transmission
/// answers 0 for a field it does not know (3.00 does so for `file-count`), so a field is asked for
/// only from servers whose RPC version defines it, and rill's own extras only from rill.
struct TransmissionFields {
    let rpcVersion: Int
    let isRill: Bool

    var list: [String] {
        var fields = ["id", "hashString", "name", "status", "error", "errorString", "percentDone", "totalSize",
                      "sizeWhenDone", "leftUntilDone", "haveValid", "rateDownload", "rateUpload", "uploadedEver",
                      "downloadedEver", "eta", "peersConnected", "queuePosition", "isFinished", "isPrivate",
                      "labels", "downloadDir", "addedDate", "doneDate", "pieceCount", "pieceSize", "recheckProgress",
                      "metadataPercentComplete", "seedRatioLimit", "seedRatioMode", "downloadLimit",
                      "downloadLimited", "uploadLimit", "uploadLimited"]
        if rpcVersion >= 17 || isRill { fields.append("file-count") }
        // Transmission 4.1 (RPC 18) names it `sequential_download`; rill answers to both names.
        if rpcVersion >= 18 && !isRill { fields.append("sequential_download") }
        if isRill { fields.append("sequentialDownload") }
        return fields
    }

    var detail: [String] {
        var fields = ["id", "hashString", "files", "fileStats", "peers", "trackerStats", "pieces", "pieceCount",
                      "magnetLink", "comment", "creator", "dateCreated"]
        if isRill { fields += ["rill-pieceStates", "rill-availability"] }
        return fields
    }

    /// Whether `torrent-set` can change sequential download on this server.
    var hasSequentialDownload: Bool { rpcVersion >= 18 || isRill }

    /// The `torrent-set` key for sequential download on this server.
    var sequentialKey: String { isRill ? "sequentialDownload" : "sequential_download" }
}
