import TorrentCore

extension PiecePicker {
    /// Sets one piece's priority. Blocks already requested stay requested; the caller may cancel them.
    public mutating func setPriority(_ priority: PiecePriority, of piece: PieceIndex) {
        guard piece.value < pieceCount else { return }
        priorities[piece.value] = priority
    }

    /// Sets every piece's priority at once.
    public mutating func setAllPriorities(_ priority: PiecePriority) {
        priorities = Array(repeating: priority, count: pieceCount)
    }

    /// Derives piece priorities from file priorities: a piece takes the highest priority of the files
    /// it touches, so a piece shared by a skipped and a wanted file is still downloaded.
    ///
    /// BEP 47 padding files never make a piece wanted. `filePriorities` has one entry per file of
    /// `layout`, and `layout` must describe this torrent.
    public mutating func setFilePriorities(_ filePriorities: [PiecePriority], layout: FileLayout) {
        precondition(layout.pieceCount == pieceCount, "layout describes another torrent")
        precondition(filePriorities.count == layout.files.count, "one priority per file")
        var result = Array(repeating: PiecePriority.skip, count: pieceCount)
        var edges: Set<Int> = []
        for (file, priority) in filePriorities.enumerated() where priority.isWanted && !layout.files[file].isPadding {
            let pieces = layout.pieces(ofFile: file)
            for piece in pieces where result[piece] < priority {
                result[piece] = priority
            }
            if let first = pieces.first, let last = pieces.last { edges.formUnion([first, last]) }
        }
        priorities = result
        fileEdgePieces = edges
    }
}
