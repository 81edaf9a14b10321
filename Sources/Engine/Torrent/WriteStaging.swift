internal import NIOConcurrencyHelpers
internal import NIOCore

/// Verified pieces too small to write well on their own wait here for a moment, so that
/// neighbours go to the disk together: one storage call for a run instead of one per piece, and,
/// once the run is long enough, a direct write instead of a copy into the page cache.
///
/// Measured with 16 KiB pieces (1 GiB, one seeder): a `pwritev` and a loop wake-up per piece, and
/// the kernel's page-cache copy, were most of the 4.6 times the CPU of 1 MiB pieces.
///
/// Items leave when `flushBytes` have gathered, or `delay` after the first one arrived, whichever
/// comes first; so a slow download writes each piece after at most `delay`, and a fast one in
/// runs of `flushBytes`.
final class WriteStaging<Item: Sendable>: Sendable {
    private struct State {
        var items: [Item] = []
        var bytes = 0
        /// Bumped on every flush, so a timer set for an earlier gathering does nothing.
        var generation = 0
    }

    let flushBytes: Int
    let delay: TimeAmount
    private let size: @Sendable (Item) -> Int
    private let forward: @Sendable ([Item]) -> Void
    private let state = NIOLockedValueBox(State())

    private enum Next {
        case wait
        case startTimer(generation: Int)
        case flush([Item])
    }

    /// `forward` gets each gathered batch, in arrival order, on whichever thread flushed it.
    init(flushBytes: Int, delay: TimeAmount, size: @escaping @Sendable (Item) -> Int,
         forward: @escaping @Sendable ([Item]) -> Void) {
        self.flushBytes = flushBytes
        self.delay = delay
        self.size = size
        self.forward = forward
    }

    /// Adds `item`; the first of a gathering sets a timer on `loop` that flushes it. If the loop
    /// has shut down the timer fails, and flushes just the same.
    func add(_ item: Item, timerOn loop: any EventLoop) {
        let next = state.withLockedValue { state -> Next in
            state.items.append(item)
            state.bytes += size(item)
            if state.bytes >= flushBytes { return .flush(Self.take(&state)) }
            return state.items.count == 1 ? .startTimer(generation: state.generation) : .wait
        }
        switch next {
        case .wait:
            break
        case .flush(let items):
            forward(items)
        case .startTimer(let generation):
            loop.scheduleTask(in: delay) {}.futureResult.whenComplete { [self] _ in flush(generation: generation) }
        }
    }

    /// Everything waiting goes now (the timer, or a caller that cannot wait).
    func flush() {
        let items = state.withLockedValue { Self.take(&$0) }
        if !items.isEmpty { forward(items) }
    }

    private func flush(generation: Int) {
        let items = state.withLockedValue { state in state.generation == generation ? Self.take(&state) : [] }
        if !items.isEmpty { forward(items) }
    }

    private static func take(_ state: inout State) -> [Item] {
        defer {
            state.items = []
            state.bytes = 0
            state.generation &+= 1
        }
        return state.items
    }
}
