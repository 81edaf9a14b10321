internal import NIOConcurrencyHelpers

/// Tasks a session started off its event loop (tracker exchanges), so shutdown can cancel them
/// and wait for them before the loop stops: a task that hopped onto a stopped loop would be lost
/// (and SwiftNIO warns about it).
final class OffLoopTasks: Sendable {
    /// Where the tasks run: the session's own threads, not the cooperative pool.
    let executor = EngineTaskExecutor(threads: 2)
    private let tasks = NIOLockedValueBox<[Int: Task<Void, Never>]>([:])
    private let nextID = NIOLockedValueBox(0)

    func run(_ body: @escaping @Sendable () async -> Void) {
        let id = nextID.withLockedValue { next in
            defer { next += 1 }
            return next
        }
        // Registered before it can finish, so `finished` never races the insert.
        tasks.withLockedValue { running in
            running[id] = Task(executorPreference: executor) { [self] in
                await body()
                finished(id)
            }
        }
    }

    private func finished(_ id: Int) {
        _ = tasks.withLockedValue { $0.removeValue(forKey: id) }
    }

    /// Cancels every task and waits until they end.
    func cancelAll() async {
        let running = tasks.withLockedValue { Array($0.values) }
        for task in running { task.cancel() }
        for task in running { await task.value }
    }
}
