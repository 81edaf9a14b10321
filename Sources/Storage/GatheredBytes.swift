/// Several buffers read as one run of bytes (consecutive pieces written together), addressed by
/// position in the run.
struct GatheredBytes {
    let parts: [UnsafeRawBufferPointer]
    /// Where each part starts in the run.
    private let starts: [Int]
    let count: Int

    init(_ parts: [UnsafeRawBufferPointer]) {
        self.parts = parts
        var starts: [Int] = []
        starts.reserveCapacity(parts.count)
        var total = 0
        for part in parts {
            starts.append(total)
            total += part.count
        }
        self.starts = starts
        self.count = total
    }

    /// The pieces of `range` as they lie in the parts, in order.
    func segments(_ range: Range<Int>) -> [UnsafeRawBufferPointer] {
        precondition(range.lowerBound >= 0 && range.upperBound <= count)
        var result: [UnsafeRawBufferPointer] = []
        var index = part(containing: range.lowerBound)
        var position = range.lowerBound
        while position < range.upperBound {
            let part = parts[index]
            let start = position - starts[index]
            let take = min(part.count - start, range.upperBound - position)
            if take > 0 { result.append(UnsafeRawBufferPointer(rebasing: part[start..<start + take])) }
            position += take
            index += 1
        }
        return result
    }

    /// Copies the bytes of `range` to `target`, which holds at least that many.
    func copy(_ range: Range<Int>, to target: UnsafeMutableRawPointer) {
        var offset = 0
        for segment in segments(range) {
            if let base = segment.baseAddress { (target + offset).copyMemory(from: base, byteCount: segment.count) }
            offset += segment.count
        }
    }

    /// The index of the part holding byte `position` (the last part for the end of the run).
    private func part(containing position: Int) -> Int {
        var low = 0
        var high = starts.count - 1
        while low < high {
            let mid = (low + high + 1) / 2
            if starts[mid] <= position { low = mid } else { high = mid - 1 }
        }
        return max(0, low)
    }
}
