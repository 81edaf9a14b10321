import Bencode
import TorrentCore

/// The log that continues a resume snapshot while a torrent downloads: `<info-hash>.journal`,
/// next to `<info-hash>.resume`, written only by `ResumeRecorder`.
///
/// It is a run of records, each framed so that a torn one is seen for what it is:
///
///     ┌ payload length: UInt32 LE ┬ CRC-32 of the payload: UInt32 LE ┬ payload: a bencoded dict ┐
///
/// The first record (the header) names the torrent and the snapshot it continues:
/// `{ "journal": 1, "info-hash", "piece count", "file lengths": [...], "generation" }`.
/// Every later record (an entry) lists pieces whose data was flushed to disk before the record
/// was written, and renews the write lease: `{ "pieces": 4-byte big-endian indexes, "lease",
/// "lease ns" }`. An entry costs about 40 bytes plus 4 per piece; compaction into a fresh
/// snapshot empties the journal.
///
/// Reading stops at the first record that runs past the end, fails its checksum or does not
/// decode — what a crash in the middle of an append leaves — and believes nothing after it.
public enum ResumeJournal {
    /// Which torrent, and which snapshot, a journal belongs to.
    public struct Header: Sendable, Equatable {
        public var infoHash: InfoHash
        public var pieceCount: Int
        /// Every file's length (padding files too), in torrent order.
        public var fileLengths: [Int]
        /// Equal to the `journalGeneration` of the snapshot this journal continues.
        public var generation: UInt64

        public init(infoHash: InfoHash, pieceCount: Int, fileLengths: [Int], generation: UInt64) {
            self.infoHash = infoHash
            self.pieceCount = pieceCount
            self.fileLengths = fileLengths
            self.generation = generation
        }

        public init(info: TorrentInfo, generation: UInt64) {
            self.init(infoHash: info.infoHash, pieceCount: info.pieceCount, fileLengths: info.files.map(\.length),
                      generation: generation)
        }

        /// Why this journal cannot be `info`'s, or nil when it is.
        public func mismatch(with info: TorrentInfo) -> String? {
            if infoHash != info.infoHash { return "it belongs to another torrent" }
            if pieceCount != info.pieceCount { return "its piece count differs from the torrent's" }
            if fileLengths != info.files.map(\.length) { return "its file lengths differ from the torrent's" }
            return nil
        }
    }

    /// Pieces made durable, and the write lease renewed, at one flush.
    public struct Entry: Sendable, Equatable {
        public var pieces: [Int]
        public var lease: FileTime

        public init(pieces: [Int], lease: FileTime) {
            self.pieces = pieces
            self.lease = lease
        }
    }

    /// What a journal file holds, up to its first damaged record.
    public struct Contents: Sendable, Equatable {
        public var header: Header
        public var entries: [Entry]
        /// Bytes of intact records from the start of the file.
        public var intactLength: Int
        /// True when bytes after the intact records were ignored (a torn or damaged record).
        public var hasDamagedTail: Bool
    }

    /// A record too large to be ours is taken for damage.
    static let maxRecordLength = 64 << 20
    private static let version: Int64 = 1

    // MARK: - Writing

    /// The framed header record.
    public static func record(_ header: Header) -> [UInt8] {
        frame(BencodeValue.dict([
            "journal": .integer(version),
            "info-hash": .bytes(header.infoHash.bytes),
            "piece count": .integer(Int64(header.pieceCount)),
            "file lengths": .list(header.fileLengths.map { .integer(Int64($0)) }),
            "generation": .integer(Int64(bitPattern: header.generation)),
        ]).encoded())
    }

    /// A framed entry record.
    public static func record(_ entry: Entry) -> [UInt8] {
        var pieces: [UInt8] = []
        pieces.reserveCapacity(entry.pieces.count * 4)
        for piece in entry.pieces {
            let value = UInt32(piece)
            pieces += [UInt8(value >> 24), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)]
        }
        return frame(BencodeValue.dict([
            "pieces": .bytes(pieces),
            "lease": .integer(entry.lease.seconds),
            "lease ns": .integer(entry.lease.nanoseconds),
        ]).encoded())
    }

    private static func frame(_ payload: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(8 + payload.count)
        appendLittleEndian(UInt32(payload.count), to: &out)
        appendLittleEndian(CRC32.checksum(payload), to: &out)
        return out + payload
    }

    private static func appendLittleEndian(_ value: UInt32, to bytes: inout [UInt8]) {
        for shift in stride(from: 0, to: 32, by: 8) { bytes.append(UInt8(value >> UInt32(shift) & 0xFF)) }
    }

    // MARK: - Reading

    /// The header and every intact entry; throws when not even the header is intact.
    public static func read(_ bytes: [UInt8]) throws(ResumeDataError) -> Contents {
        var offset = 0
        guard let first = nextPayload(bytes, at: &offset) else { throw .corrupt("the journal has no intact header") }
        let header = try decodeHeader(first)
        var entries: [Entry] = []
        var intact = offset
        while let payload = nextPayload(bytes, at: &offset), let entry = decodeEntry(payload, pieceCount: header.pieceCount) {
            entries.append(entry)
            intact = offset
        }
        return Contents(header: header, entries: entries, intactLength: intact, hasDamagedTail: intact < bytes.count)
    }

    /// The payload of the record at `offset` if it is whole and its checksum holds; moves past it.
    private static func nextPayload(_ bytes: [UInt8], at offset: inout Int) -> ArraySlice<UInt8>? {
        guard bytes.count - offset >= 8 else { return nil }
        let length = Int(littleEndian(bytes, at: offset))
        let checksum = littleEndian(bytes, at: offset + 4)
        guard length <= maxRecordLength, bytes.count - offset - 8 >= length else { return nil }
        let payload = bytes[offset + 8..<offset + 8 + length]
        guard CRC32.checksum(payload) == checksum else { return nil }
        offset += 8 + length
        return payload
    }

    private static func littleEndian(_ bytes: [UInt8], at offset: Int) -> UInt32 {
        (0..<4).reduce(UInt32(0)) { value, index in value | UInt32(bytes[offset + index]) << UInt32(8 * index) }
    }

    private static func decodeHeader(_ payload: ArraySlice<UInt8>) throws(ResumeDataError) -> Header {
        let root: BencodeValue
        do { root = try BencodeDecoder().decode(Array(payload)) } catch { throw .corrupt("the journal header: \(error)") }
        guard root["journal"]?.integer == version else { throw .corrupt("unknown journal version") }
        guard let hashBytes = root["info-hash"]?.bytes, let hash = InfoHash(bytes: hashBytes),
              let count = root["piece count"]?.integer, count >= 0, count < 1 << 32,
              let lengths = root["file lengths"]?.list?.compactMap(\.integer), lengths.allSatisfy({ $0 >= 0 }),
              lengths.count == root["file lengths"]?.list?.count,
              let generation = root["generation"]?.integer
        else { throw .corrupt("the journal header is incomplete") }
        return Header(infoHash: hash, pieceCount: Int(count), fileLengths: lengths.map { Int($0) },
                      generation: UInt64(bitPattern: generation))
    }

    private static func decodeEntry(_ payload: ArraySlice<UInt8>, pieceCount: Int) -> Entry? {
        guard let root = try? BencodeDecoder().decode(Array(payload)),
              let raw = root["pieces"]?.bytes, raw.count % 4 == 0,
              let seconds = root["lease"]?.integer,
              let nanoseconds = root["lease ns"]?.integer, (0..<1_000_000_000).contains(nanoseconds)
        else { return nil }
        var pieces: [Int] = []
        pieces.reserveCapacity(raw.count / 4)
        for start in stride(from: 0, to: raw.count, by: 4) {
            let piece = Int(raw[start]) << 24 | Int(raw[start + 1]) << 16 | Int(raw[start + 2]) << 8 | Int(raw[start + 3])
            guard piece < pieceCount else { return nil }
            pieces.append(piece)
        }
        return Entry(pieces: pieces, lease: FileTime(seconds: seconds, nanoseconds: nanoseconds))
    }
}
