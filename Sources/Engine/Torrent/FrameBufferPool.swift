internal import NIOConcurrencyHelpers
internal import NIOCore

/// Buffers for upload frames (a disk hop's blocks, each behind its `piece` header), used again once
/// every frame cut from them was sent.
///
/// A fresh 128 KiB buffer per hop went back to the kernel when freed and came back as new pages, so
/// the read into it took a page fault per 4 KiB: 13 % of a seeder's CPU samples (perf, 4 leechers).
/// A buffer is free again when the pool holds the only reference to its storage (NIO dropped the
/// frames it wrote). At most `limit` buffers are kept, so the pool's memory is bounded.
final class FrameBufferPool: Sendable {
    /// The size of a pooled buffer; larger hops get a buffer of their own.
    let bufferSize: Int
    let limit: Int
    private let buffers = NIOLockedValueBox<[ByteBuffer]>([])

    init(bufferSize: Int, limit: Int) {
        self.bufferSize = bufferSize
        self.limit = limit
    }

    /// An empty buffer with room for `bytes`: a free pooled one when there is one.
    func take(bytes: Int) -> ByteBuffer {
        if bytes <= bufferSize {
            let reused = buffers.withLockedValue { buffers -> ByteBuffer? in
                for index in buffers.indices {
                    if buffers[index].modifyIfUniquelyOwned({ $0.clear() }) != nil {
                        return buffers.remove(at: index)
                    }
                }
                return nil
            }
            if let reused { return reused }
        }
        return ByteBufferAllocator().buffer(capacity: max(bytes, bufferSize))
    }

    /// Keeps `buffer` (whose frames are on their way) for reuse once they are sent, while there is room.
    func keep(_ buffer: ByteBuffer) {
        guard buffer.capacity == bufferSize else { return }
        buffers.withLockedValue { buffers in
            if buffers.count < limit { buffers.append(buffer) }
        }
    }
}
