// .torrent files: any bytes into `Metainfo(bytes:)`. A torrent that parses must be one rill can
// store safely (every path component safe, the file layout consistent with the piece count and
// lengths), keep its info-hash through `torrentBytes()` and `TorrentInfo(rawInfo:)`, and give
// a magnet link that parses back to the same hash, name and trackers.
import Bencode
import FuzzSupport
import TorrentCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let bytes = FuzzInput(start, count).bytes
    guard let metainfo = try? Metainfo(bytes: bytes) else {
        _ = try? TorrentInfo(rawInfo: bytes)
        return 0
    }
    let info = metainfo.info
    let layout = info.layout
    expect(info.pieceLength > 0 && info.pieceHashes.count == 20 * info.pieceCount, "pieces do not match the piece count")
    expect(layout.totalLength > 0 && info.pieceCount == (layout.totalLength + info.pieceLength - 1) / info.pieceLength,
           "\(info.pieceCount) pieces for \(layout.totalLength) bytes")
    var offset = 0
    for (index, file) in layout.files.enumerated() {
        expect(file.offset == offset && file.length >= 0, "file \(index) at \(file.offset), expected \(offset)")
        offset += file.length
        expect(file.path.first == info.name && !file.path.isEmpty, "file \(index) is not under the torrent's name")
        expect((try? SafePath.validate(file.path)) != nil, "unsafe path \(file.path) accepted")
        let pieces = layout.pieces(ofFile: index)
        expect(pieces.lowerBound >= 0 && pieces.upperBound <= info.pieceCount, "file \(index) covers pieces \(pieces)")
    }
    // Every piece maps onto file spans that add up to it (a few pieces when there are many).
    let pieceSample = info.pieceCount <= 64 ? Array(0..<info.pieceCount) : [0, 1, info.pieceCount / 2, info.pieceCount - 1]
    for piece in pieceSample {
        let size = layout.size(ofPiece: piece)
        let spans = layout.spans(piece: piece, offset: 0, length: size)
        expect(spans.reduce(0) { $0 + $1.length } == size, "piece \(piece)'s spans do not add up to \(size)")
        expect(spans.allSatisfy { $0.length > 0 && $0.fileOffset >= 0
                   && $0.fileOffset + $0.length <= layout.files[$0.fileIndex].length }, "piece \(piece) spans past a file")
        _ = info.hash(ofPiece: piece)
    }

    expect((try? TorrentInfo(rawInfo: info.rawInfo))?.infoHash == metainfo.infoHash, "rawInfo does not parse to the same hash")
    let rewritten = try? Metainfo(bytes: metainfo.torrentBytes())
    expect(rewritten?.infoHash == metainfo.infoHash && rewritten?.trackerTiers == metainfo.trackerTiers
           && rewritten?.webSeeds == metainfo.webSeeds && rewritten?.comment == metainfo.comment
           && rewritten?.createdBy == metainfo.createdBy && rewritten?.creationDate == metainfo.creationDate,
           "torrentBytes() does not parse back to the same torrent")
    let magnet = try? MagnetLink(parsing: metainfo.magnetLink.description)
    expect(magnet?.infoHash == metainfo.infoHash && magnet?.displayName == metainfo.name
           && magnet?.trackers == metainfo.trackerTiers.flatMap { $0 } && magnet?.webSeeds == metainfo.webSeeds,
           "the magnet link does not parse back")
    return 0
}
