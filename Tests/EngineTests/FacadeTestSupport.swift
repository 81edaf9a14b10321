import Engine
import EngineAPI
import TorrentCore

/// Test conveniences over the facade, the one door into the engine: each sends a command and
/// waits (bounded) for its effect in the snapshots, as any front end would.
extension TorrentEngine {
    /// Adds a torrent and waits until its data is checked and it is listed.
    @discardableResult
    func add(_ meta: Metainfo, downloadDirectory: String, options: AddOptions = AddOptions()) async throws -> InfoHash {
        perform(.add(.torrentData(meta.torrentBytes()), directory: downloadDirectory, options: options))
        try await waitUntilListed(meta.infoHash, what: "adding \(meta.name)")
        return meta.infoHash
    }

    /// Adds a magnet link and waits until it is listed (fetching its metadata, or as a torrent
    /// when the metadata was saved before).
    @discardableResult
    func add(magnet link: MagnetLink, downloadDirectory: String, options: AddOptions = AddOptions()) async throws
        -> InfoHash {
        perform(.add(.magnet(link.description), directory: downloadDirectory, options: options))
        try await waitUntilListed(link.infoHash, what: "adding the magnet link")
        return link.infoHash
    }

    private func waitUntilListed(_ hash: InfoHash, what: String) async throws {
        let row = await wait(for: TorrentID(hex: hash.hex), timeout: .seconds(60)) { row in
            guard let row else { return false }
            if case .checking = row.phase { return false }
            return true
        }
        if row == nil { throw TimedOut(description: "\(what) did not finish within 60 s") }
    }

    /// The torrent's row, or nil when it is not in the session.
    func stats(for hash: InfoHash) -> TorrentSnapshot? {
        torrent(TorrentID(hex: hash.hex))
    }

    /// Waits until every wanted piece of the torrent is verified.
    func waitUntilComplete(_ hash: InfoHash, timeout: Duration = .seconds(60)) async throws {
        let row = await wait(for: TorrentID(hex: hash.hex), timeout: timeout) { $0?.isComplete == true }
        if row?.isComplete != true {
            throw TimedOut(description: "\(hash) was not complete within \(timeout) (\(String(describing: row?.phase)))")
        }
    }

    /// Drains events until one matches (or `timeout` passes) and returns every event drained.
    func events(until match: (EngineEvent) -> Bool, timeout: Duration = .seconds(5)) async -> [EngineEvent] {
        var seen: [EngineEvent] = []
        _ = await waitForSnapshot(timeout: timeout, every: .milliseconds(20)) { _ in
            seen += drainEvents()
            return seen.contains(where: match)
        }
        return seen
    }

    func addPeers(_ peers: [PeerEndpoint], to hash: InfoHash) {
        for peer in peers { perform(.addPeer(TorrentID(hex: hash.hex), host: peer.host, port: Int(peer.port))) }
    }
}
