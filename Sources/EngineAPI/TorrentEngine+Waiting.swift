/// Conveniences every front end needs on top of the three facade calls.
extension TorrentEngine {
    /// The torrent's row in the latest snapshot, or nil when the engine does not list it.
    public func torrent(_ id: TorrentID) -> TorrentSnapshot? {
        snapshot(detail: nil).torrents.first { $0.id == id }
    }

    /// Polls snapshots until `condition` holds for the torrent's row (nil while it is not listed)
    /// or `timeout` passes, and returns the last row seen. Commands only enqueue, so this is how
    /// a script or a test waits for their effect.
    public func wait(for id: TorrentID, timeout: Duration, every interval: Duration = .milliseconds(50),
                     until condition: (TorrentSnapshot?) -> Bool) async -> TorrentSnapshot? {
        let deadline = ContinuousClock.now + timeout
        var row = torrent(id)
        while !condition(row), ContinuousClock.now < deadline {
            try? await Task.sleep(for: interval)
            row = torrent(id)
        }
        return row
    }
}
