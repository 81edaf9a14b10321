import TorrentCore

/// Finds which pieces of a torrent are already on disk: from resume data when it can be trusted,
/// otherwise by hashing every piece (and then saving fresh resume data).
public enum DataChecker {
    /// The outcome of a check.
    public struct Result: Sendable, Equatable {
        /// The pieces on disk that match their hashes.
        public let verified: Bitfield
        /// True when the answer came from resume data without hashing.
        public let fromResume: Bool
        /// True when that resume data was left by a run that did not stop cleanly (its snapshot and
        /// journal, with files changed by rill's own writes); it was compacted into a fresh snapshot.
        public let recovered: Bool
        /// Why stored resume data was not used, when there was some.
        public let resumeRejection: String?
        /// Saving fresh resume data failed; the check itself still holds.
        public let resumeSaveError: StorageError?
    }

    /// Checks the files of `info` below `root`, using and refreshing `resume` when given.
    public static func check(info: TorrentInfo, root: String, resume: ResumeStore?,
                             threads: Int = PieceHasher.defaultThreads,
                             progress: PieceHasher.Progress? = nil) throws(StorageError) -> Result {
        var rejection: String?
        if let resume {
            switch resume.check(for: info, downloadRoot: root) {
            case .trusted(let verified):
                progress?(info.pieceCount, info.pieceCount)
                return Result(verified: verified, fromResume: true, recovered: false, resumeRejection: nil,
                              resumeSaveError: nil)
            case .recovered(let data):
                // Compaction on start: the merged claims become a plain snapshot; the journal goes.
                var saveError: StorageError?
                do throws(StorageError) {
                    try resume.save(data)
                    try resume.removeJournal(for: info.infoHash)
                } catch {
                    saveError = error
                }
                progress?(info.pieceCount, info.pieceCount)
                return Result(verified: data.verified, fromResume: true, recovered: true, resumeRejection: nil,
                              resumeSaveError: saveError)
            case .absent:
                break
            case .rejected(let reason):
                rejection = reason
            }
        }
        // Take the files' state before hashing: a file changed meanwhile then fails the next check.
        let before = try ResumeData.currentStates(of: info.layout, downloadRoot: root)
        let storage = try FileStorage(root: root, layout: info.layout, mode: .readOnly)
        defer { storage.close() }
        let verified = try PieceHasher.verify(info: info, storage: storage, threads: threads, progress: progress,
                                              skipping: piecesPastTheData(of: info.layout, states: before))
        // What was hashed may sit only in the page cache (left by a killed download): put it on
        // disk before anyone vouches for it.
        var saveError: StorageError?
        if let resume {
            let data = ResumeData(infoHash: info.infoHash, pieceCount: info.pieceCount, verified: verified, files: before)
            do throws(StorageError) {
                try storage.synchronizeEveryFile()
                try resume.save(data)
                try resume.removeJournal(for: info.infoHash)
            } catch {
                saveError = error
            }
        } else {
            try? storage.synchronizeEveryFile()
        }
        return Result(verified: verified, fromResume: false, recovered: false, resumeRejection: rejection,
                      resumeSaveError: saveError)
    }

    /// Pieces with bytes in a missing file or past the current end of a short one: they cannot
    /// match, so they are not read. A new download of 65,536 small pieces otherwise tried to open
    /// its missing file once per piece, which was nearly half the CPU of fetching it.
    static func piecesPastTheData(of layout: FileLayout, states: [ResumeData.FileState]) -> Bitfield {
        var missing = Bitfield(count: layout.pieceCount)
        for state in states {
            let file = layout.files[state.index]
            let present = min(Int(clamping: state.size ?? 0), file.length)
            guard present < file.length else { continue }
            let first = (file.offset + present) / layout.pieceLength
            let last = (file.offset + file.length - 1) / layout.pieceLength
            for piece in first...last { missing[piece] = true }
        }
        return missing
    }
}
