internal import NIOConcurrencyHelpers
internal import NIOCore
internal import NIOPosix

/// Work items handed to a thread pool in batches: an item waits in a queue, and a pool job takes
/// every item waiting (up to `maxBatchBytes`) at once. One hop per 16 KiB piece cost ~50 µs of
/// CPU; with 65,536 of them per GiB that was most of the difference to 1 MiB pieces.
/// At most `maxJobs` jobs run at a time; a job that leaves items behind queues another behind
/// whatever else waits for the pool, so one busy torrent does not keep the others from it.
final class PoolBatches<Item: Sendable>: Sendable {
    private struct State {
        var waiting: [Item] = []
        var jobs = 0
    }

    private let pool: NIOThreadPool
    private let maxJobs: Int
    private let maxBatchBytes: Int
    private let size: @Sendable (Item) -> Int
    private let process: @Sendable ([Item]) -> Void
    private let abandon: @Sendable ([Item], any Error) -> Void
    private let state = NIOLockedValueBox(State())

    /// `process` runs on the pool with each batch (in the order the items came); `abandon` gets the
    /// items a stopped pool will not run.
    init(pool: NIOThreadPool, maxJobs: Int, maxBatchBytes: Int, size: @escaping @Sendable (Item) -> Int,
         process: @escaping @Sendable ([Item]) -> Void, abandon: @escaping @Sendable ([Item], any Error) -> Void) {
        self.pool = pool
        self.maxJobs = max(1, maxJobs)
        self.maxBatchBytes = maxBatchBytes
        self.size = size
        self.process = process
        self.abandon = abandon
    }

    func add(_ item: Item) {
        add(contentsOf: CollectionOfOne(item))
    }

    /// Adds `items` with one lock and at most one new job.
    func add(contentsOf items: some Collection<Item>) {
        guard !items.isEmpty else { return }
        let start = state.withLockedValue { state -> Bool in
            state.waiting.append(contentsOf: items)
            guard state.jobs < maxJobs else { return false }
            state.jobs += 1
            return true
        }
        if start { startJob() }
    }

    private func startJob() {
        pool.submit { [self] workState in
            guard case .active = workState else {
                let items = state.withLockedValue { state in
                    defer { state.waiting = []; state.jobs = 0 }
                    return state.waiting
                }
                abandon(items, NIOThreadPoolError.ThreadPoolInactive())
                return
            }
            let batch = take()
            if !batch.isEmpty { process(batch) }
            let more = state.withLockedValue { state -> Bool in
                if state.waiting.isEmpty {
                    state.jobs -= 1
                    return false
                }
                return true
            }
            if more { startJob() }
        }
    }

    /// The oldest items waiting, up to `maxBatchBytes` (at least one).
    private func take() -> [Item] {
        state.withLockedValue { state in
            var bytes = 0
            var count = 0
            while count < state.waiting.count, count == 0 || bytes + size(state.waiting[count]) <= maxBatchBytes {
                bytes += size(state.waiting[count])
                count += 1
            }
            let batch = Array(state.waiting.prefix(count))
            state.waiting.removeFirst(count)
            return batch
        }
    }
}
