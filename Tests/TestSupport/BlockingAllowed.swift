import Dispatch
import Testing

/// A trait for suites whose tests block threads (waiting for a child process, polling a terminal
/// or a file): their tests run on threads of their own instead of Swift's cooperative pool, which
/// has one thread per core and is shared by every other test running at the same time. Without
/// it, two blocked interop tests on this 2-core machine stall all the rest.
public struct BlockingAllowedTrait: TestTrait, SuiteTrait, TestScoping {
    public var isRecursive: Bool { true }

    public func provideScope(for test: Test, testCase: Test.Case?,
                             performing function: @Sendable () async throws -> Void) async throws {
        try await withTaskExecutorPreference(BlockingTolerantExecutor.shared) {
            try await function()
        }
    }
}

extension Trait where Self == BlockingAllowedTrait {
    /// Runs the tests of this suite (and of suites nested in it) where blocking a thread is harmless.
    public static var blockingAllowed: Self { Self() }
}

/// A task executor on a concurrent dispatch queue: libdispatch adds worker threads when the ones it
/// has are blocked, which the cooperative pool never does.
public final class BlockingTolerantExecutor: TaskExecutor {
    public static let shared = BlockingTolerantExecutor()

    private static let marker = DispatchSpecificKey<Bool>()
    private let queue: DispatchQueue

    private init() {
        queue = DispatchQueue(label: "rill.tests.blocking-allowed", attributes: .concurrent)
        queue.setSpecific(key: Self.marker, value: true)
    }

    /// True when the caller runs on this executor's threads.
    public static var isCurrent: Bool { DispatchQueue.getSpecific(key: marker) == true }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        queue.async { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}
