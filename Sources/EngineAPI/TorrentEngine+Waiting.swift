/// Conveniences every front end needs on top of the three facade calls.
extension TorrentEngine {
    /// The torrent's row in the latest snapshot, or nil when the engine does not list it.
    public func torrent(_ id: TorrentID) -> TorrentSnapshot? {
        snapshot(detail: nil).torrents.first { $0.id == id }
    }

    /// Polls snapshots (with `detail`) on `clock` until `condition` holds or `timeout` passes, and
    /// returns the snapshot that met it (nil on timeout). Commands only enqueue, so this is how a
    /// script or a test waits for their effect.
    public func waitForSnapshot<C: Clock>(detail: TorrentID? = nil, timeout: Duration,
                                          every interval: Duration = .milliseconds(50), clock: C,
                                          until condition: (SessionSnapshot) -> Bool) async -> SessionSnapshot?
        where C.Duration == Duration {
        let deadline = clock.now.advanced(by: timeout)
        while true {
            let latest = snapshot(detail: detail)
            if condition(latest) { return latest }
            let next = clock.now.advanced(by: interval)
            guard next < deadline else { return nil }
            do { try await clock.sleep(until: next, tolerance: nil) } catch { return nil }
        }
    }

    /// `waitForSnapshot` on the continuous clock.
    public func waitForSnapshot(detail: TorrentID? = nil, timeout: Duration, every interval: Duration = .milliseconds(50),
                                until condition: (SessionSnapshot) -> Bool) async -> SessionSnapshot? {
        await waitForSnapshot(detail: detail, timeout: timeout, every: interval, clock: ContinuousClock(),
                              until: condition)
    }

    /// Waits until `condition` holds for the torrent's row (nil while it is not listed) or
    /// `timeout` passes, and returns the last row seen.
    public func wait(for id: TorrentID, timeout: Duration, every interval: Duration = .milliseconds(50),
                     until condition: (TorrentSnapshot?) -> Bool) async -> TorrentSnapshot? {
        var row: TorrentSnapshot?
        _ = await waitForSnapshot(timeout: timeout, every: interval) { snapshot in
            row = snapshot.torrents.first { $0.id == id }
            return condition(row)
        }
        return row
    }
}
