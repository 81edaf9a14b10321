/// What the last check of a torrent's data on disk found, and how it knew.
public struct DataCheck: Sendable, Equatable {
    /// How the answer was reached.
    public enum Source: Sendable, Equatable {
        /// Every piece was read and hashed.
        case hashed
        /// Saved resume data was trusted because the files were unchanged.
        case resumeData
        /// Resume data left by a run that did not stop cleanly was trusted: the files had changed
        /// only the way that run's own writes changed them.
        case recoveredResumeData
    }

    /// Pieces that match their hashes.
    public var validPieces: Int
    public var pieceCount: Int
    public var source: Source

    public init(validPieces: Int, pieceCount: Int, source: Source) {
        self.validPieces = validPieces
        self.pieceCount = pieceCount
        self.source = source
    }

    public var isComplete: Bool { validPieces == pieceCount }
}
