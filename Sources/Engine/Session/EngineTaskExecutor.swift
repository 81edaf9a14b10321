internal import NIOPosix

/// A task executor on threads the session owns: its own async work (tracker exchanges, web seed
/// fetches) runs there instead of on Swift's cooperative pool, so a host program whose tasks keep
/// that pool busy (a test runner running hundreds of tests, a front end) cannot hold it up.
final class EngineTaskExecutor: TaskExecutor {
    private let pool: NIOThreadPool

    init(threads: Int) {
        pool = NIOThreadPool(numberOfThreads: threads)
        pool.start()
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        pool.submit { state in
            if case .active = state {
                job.runSynchronously(on: self.asUnownedTaskExecutor())
            } else {
                // The pool is stopping: a task still resuming finishes on the global executor
                // rather than never.
                globalConcurrentExecutor.enqueue(ExecutorJob(job))
            }
        }
    }

    /// Stops the threads once the jobs already queued have run.
    func shutdown() async {
        try? await pool.shutdownGracefully()
    }
}
