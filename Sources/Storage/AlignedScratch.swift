#if canImport(Darwin)
import Darwin
#elseif canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Page-aligned buffers that direct (`O_DIRECT`) writes copy their data into, kept for reuse so a
/// write never touches fresh memory. As many exist as writes ran at once, each `size` bytes.
final class AlignedScratch: Sendable {
    /// What direct I/O needs: buffer address, file offset and length all multiples of this.
    static let alignment = 4096
    let size: Int
    private let idle = Locked<[Buffer]>([])

    /// One allocation, owned by the pool.
    private struct Buffer: @unchecked Sendable {
        let base: UnsafeMutableRawPointer
    }

    init(size: Int = 1 << 20) {
        precondition(size > 0 && size % Self.alignment == 0)
        self.size = size
    }

    deinit {
        idle.withLock { buffers in
            for buffer in buffers { free(buffer.base) }
        }
    }

    /// Runs `body` with a buffer of `size` bytes no other call uses meanwhile; nil when memory is short.
    func withBuffer<Result, Failure: Error>(
        _ body: (UnsafeMutableRawBufferPointer) throws(Failure) -> Result
    ) throws(Failure) -> Result? {
        guard let buffer = take() else { return nil }
        defer { idle.withLock { $0.append(buffer) } }
        return try body(UnsafeMutableRawBufferPointer(start: buffer.base, count: size))
    }

    private func take() -> Buffer? {
        if let buffer = idle.withLock({ $0.popLast() }) { return buffer }
        var base: UnsafeMutableRawPointer?
        guard posix_memalign(&base, Self.alignment, size) == 0, let base else { return nil }
        return Buffer(base: base)
    }
}
