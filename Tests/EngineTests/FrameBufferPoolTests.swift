@testable import Engine
import NIOCore
import Testing

/// Upload frames are read into reused buffers; a buffer must never be reused while a frame cut from
/// it is still on its way, or a peer would be sent the wrong bytes.
@Suite struct FrameBufferPoolTests {
    private func address(_ buffer: ByteBuffer) -> UInt {
        buffer.withUnsafeReadableBytes { UInt(bitPattern: $0.baseAddress) }
    }

    @Test func aBufferIsReusedOnlyAfterItsFramesAreGone() {
        let pool = FrameBufferPool(bufferSize: 1024, limit: 4)
        var first = pool.take(bytes: 100)
        first.writeBytes([UInt8](repeating: 1, count: 100))
        var frame: ByteBuffer? = first.readSlice(length: 100)
        pool.keep(first)
        first = ByteBuffer()
        let firstAddress = address(frame!)

        var second = pool.take(bytes: 100)
        second.writeBytes([UInt8](repeating: 2, count: 100))
        #expect(address(second) != firstAddress, "a buffer whose frame is still queued is not handed out")
        #expect(frame!.readableBytesView.allSatisfy { $0 == 1 }, "the queued frame keeps its bytes")

        frame = nil
        var third = pool.take(bytes: 100)
        third.writeBytes([3])
        #expect(address(third) == firstAddress, "once its frame is sent, the buffer is used again")
        #expect(third.readableBytes == 1, "and it comes back empty")
    }

    @Test func aHopLargerThanAPooledBufferGetsRoomForAllItsFrames() {
        let pool = FrameBufferPool(bufferSize: 1024, limit: 1)
        var big = pool.take(bytes: 4096)
        #expect(big.capacity >= 4096)
        big.writeBytes([UInt8](repeating: 7, count: 4096))
        #expect(big.readableBytes == 4096)
    }
}
