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
                return Result(verified: verified, fromResume: true, resumeRejection: nil, resumeSaveError: nil)
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
        let verified = try PieceHasher.verify(info: info, storage: storage, threads: threads, progress: progress)
        var saveError: StorageError?
        if let resume {
            let data = ResumeData(infoHash: info.infoHash, pieceCount: info.pieceCount, verified: verified, files: before)
            do throws(StorageError) { try resume.save(data) } catch { saveError = error }
        }
        return Result(verified: verified, fromResume: false, resumeRejection: rejection, resumeSaveError: saveError)
    }
}
