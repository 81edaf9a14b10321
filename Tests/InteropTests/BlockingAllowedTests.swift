import TestSupport
import Testing

extension Interop {
    /// The interop suite's tests block threads; they must do it on the blocking-tolerant executor's
    /// threads, never on the cooperative pool the rest of the tests share.
    @Suite struct BlockingAllowedTests {
        @Test func interopTestsRunOnTheBlockingTolerantQueue() async throws {
            #expect(BlockingTolerantExecutor.isCurrent)
            // Still there after a suspension, and in a child task.
            await Task.yield()
            #expect(BlockingTolerantExecutor.isCurrent)
            async let child = BlockingTolerantExecutor.isCurrent
            #expect(await child)
        }
    }
}
