import Bencode

extension Metainfo {
    /// The torrent as `.torrent` file bytes. The `info` dictionary is written exactly as it was
    /// read, so the info-hash of the result is the same.
    public func torrentBytes() -> [UInt8] {
        var before: [String: BencodeValue] = [:]
        var after: [String: BencodeValue] = [:]
        if let first = trackerTiers.first?.first { before["announce"] = .string(first) }
        if trackerTiers.count > 1 || (trackerTiers.first?.count ?? 0) > 1 {
            before["announce-list"] = .list(trackerTiers.map { .list($0.map { .string($0) }) })
        }
        if let comment { before["comment"] = .string(comment) }
        if let createdBy { before["created by"] = .string(createdBy) }
        if let creationDate { before["creation date"] = .integer(creationDate) }
        if let layers = info.v2?.pieceLayers, !layers.isEmpty {
            after["piece layers"] = .dictionary(layers.mapValues { .bytes($0) })
        }
        if !webSeeds.isEmpty { after["url-list"] = .list(webSeeds.map { .string($0) }) }
        // Keys sort as bytes: everything above comes before "info", "piece layers" and "url-list" after it.
        var out: [UInt8] = [UInt8(ascii: "d")]
        out += BencodeValue.dict(before).encoded().dropFirst().dropLast()
        out += Array("4:info".utf8) + info.rawInfo
        out += BencodeValue.dict(after).encoded().dropFirst().dropLast()
        out.append(UInt8(ascii: "e"))
        return out
    }
}
