import EngineAPI

/// A bitmap of the torrent's pieces, one cell per piece or per group when they don't fit.
/// Glyphs tell the states apart without colour; colour and weight show how rare missing pieces are.
enum PiecesPane {
    static let have: UInt32 = 0x2588          // █
    static let downloading: UInt32 = 0x2593   // ▓
    static let missing: UInt32 = 0x2591       // ░
    static let unavailable: UInt32 = 0x00D7   // ×
    static let skipped: UInt32 = 0x00B7       // ·

    static func render(_ state: UIState, into buffer: inout ScreenBuffer, rect: Rect, focused: Bool) {
        let inner = rect.inner
        guard let detail = state.selectedDetail, detail.pieces.count > 0 else {
            Draw.frame(rect, title: "Pieces", focused: focused, into: &buffer)
            if inner.height >= 1 {
                let text = state.selectedTorrent == nil ? "No torrent selected" : "No piece map yet"
                buffer.write(text, x: inner.x + 1, y: inner.y, limit: inner.width - 1, role: .dim)
            }
            return
        }
        let map = detail.pieces
        let legendRows = inner.height >= 5 ? 2 : (inner.height >= 2 ? 1 : 0)
        let gridRows = max(0, inner.height - legendRows)
        let cells = max(1, gridRows * inner.width)
        let group = (map.count + cells - 1) / cells
        let (minimum, average) = availabilitySummary(map)
        let knownAvailability = map.isAvailabilityKnown
        var title = "Pieces \(map.count)"
        if group > 1 { title += " · 1 cell = \(group)" }
        Draw.frame(rect, title: title, focused: focused, into: &buffer)
        guard inner.width > 0 else { return }

        let groups = (map.count + group - 1) / group
        var rare: UInt16 = 1
        if average >= 4 { rare = UInt16(min(Double(UInt16.max), (average / 4).rounded(.down))) }
        for cellIndex in 0..<min(groups, cells) {
            let start = cellIndex * group
            let end = min(map.count, start + group)
            var haveCount = 0, downloadingCount = 0, missingCount = 0
            var rarest = UInt16.max
            for piece in start..<end {
                switch map.state(of: piece) {
                case .have: haveCount += 1
                case .downloading: downloadingCount += 1
                case .missing:
                    missingCount += 1
                    // Unknown availability (a remote server) is neither rare nor absent.
                    if knownAvailability { rarest = min(rarest, map.availability[piece]) }
                case .skipped: break
                }
            }
            let glyph: UInt32
            let role: ThemeRole
            // A group shows its most common state; pieces in flight count four times so activity stays visible.
            let skippedCount = (end - start) - haveCount - downloadingCount - missingCount
            let weights = [downloadingCount * 4, missingCount, haveCount, skippedCount]
            let winner = weights.indices.max { weights[$0] < weights[$1] } ?? 3
            if winner == 0 {
                (glyph, role) = (downloading, .piece_downloading)
            } else if winner == 1 {
                if rarest == 0 {
                    (glyph, role) = (unavailable, .piece_rare)
                } else {
                    (glyph, role) = (missing, rarest <= rare ? .piece_rare : .piece_missing)
                }
            } else if winner == 2 {
                (glyph, role) = (have, .piece_have)
            } else {
                (glyph, role) = (skipped, .piece_skipped)
            }
            buffer.put(glyph, x: inner.x + cellIndex % inner.width, y: inner.y + cellIndex / inner.width, role: role)
        }

        guard legendRows > 0 else { return }
        let legendY = inner.maxY - legendRows
        var x = inner.x
        let limit = inner.maxX
        for (glyph, role, label) in [(have, ThemeRole.piece_have, "have"), (downloading, .piece_downloading, "getting"),
                                     (missing, .piece_missing, "missing"), (missing, .piece_rare, "rare"),
                                     (unavailable, .piece_rare, "none"), (skipped, .piece_skipped, "skip")] {
            guard x + 2 < limit else { break }
            buffer.put(glyph, x: x, y: legendY, role: role)
            x += 1 + buffer.write(label, x: x + 1, y: legendY, limit: limit - x - 1, role: .dim) + 1
        }
        if legendRows == 2 {
            let done = map.states.reduce(0) { $0 + ($1 == PieceMap.State.have.rawValue ? 1 : 0) }
            let availability = knownAvailability ? "min \(minimum) avg \(Format.oneDecimal(average))" : "?"
            let text = "have \(done)/\(map.count) · avail \(availability)"
            buffer.write(text, x: inner.x, y: legendY + 1, limit: inner.width, role: .text)
        }
    }

    /// The lowest and the mean availability over all pieces.
    static func availabilitySummary(_ map: PieceMap) -> (Int, Double) {
        guard !map.availability.isEmpty else { return (0, 0) }
        var minimum = Int.max
        var total = 0
        for value in map.availability {
            minimum = min(minimum, Int(value))
            total += Int(value)
        }
        return (minimum, Double(total) / Double(map.availability.count))
    }
}
