import Benchmark
import EngineAPI
import TerminalUI

/// One frame at 200×60 with 1,000 torrents and 500 peers of the selected torrent, with 5 minutes of
/// history, rendered into a ScreenBuffer (no terminal).
let benchmarks: @Sendable () -> Void = {
    let controller = UIController()
    controller.resize(width: 200, height: 60)
    for second in 0..<300 {
        var snapshot = UIRenderFixture.snapshot(second: second)
        if second == 299 { snapshot.detail = UIRenderFixture.detail(for: snapshot.torrents[0].id) }
        controller.update(snapshot: snapshot, events: [], clock: "12:00:00")
    }
    let keyMap = controller.keyMap
    let state = controller.state

    Benchmark("UI frame 200x60, 1000 torrents, 500 peers",
              configuration: .init(metrics: [.wallClock, .cpuTotal, .mallocCountTotal], maxDuration: .seconds(5))) { benchmark in
        var buffer = ScreenBuffer(width: 200, height: 60)
        for _ in benchmark.scaledIterations {
            ScreenRenderer.render(state, keyMap: keyMap, into: &buffer)
            blackHole(buffer.cells.count)
        }
    }

    Benchmark("UI snapshot update, 1000 torrents, 500 peers (sort, filter, history)",
              configuration: .init(metrics: [.wallClock, .mallocCountTotal], maxDuration: .seconds(5))) { benchmark in
        var snapshot = UIRenderFixture.snapshot(second: 400)
        snapshot.detail = UIRenderFixture.detail(for: snapshot.torrents[0].id)
        var second = 400
        for _ in benchmark.scaledIterations {
            second += 1
            snapshot.uptime = Double(second)
            controller.update(snapshot: snapshot, events: [], clock: "12:00:00")
        }
    }
}

enum UIRenderFixture {
    static func id(_ n: Int) -> TorrentID {
        var hex = String(n, radix: 16)
        hex = String(repeating: "0", count: max(0, 40 - hex.count)) + hex
        return TorrentID(hex: hex)
    }

    static func snapshot(second: Int) -> SessionSnapshot {
        let phases: [TorrentPhase] = [.downloading, .seeding, .paused, .queued, .finished, .checking(progress: 0.5)]
        var rows: [TorrentSnapshot] = []
        for n in 0..<1000 {
            let wave = Double((second + n * 13) % 40) / 40
            rows.append(TorrentSnapshot(id: id(n + 1), name: "torrent-\(n + 1)-some-long-release-name-1080p.mkv",
                                        totalSize: 700_000_000 + n * 1_000_000, progress: wave,
                                        phase: phases[n % phases.count], downloadRate: 1_000_000 * wave,
                                        uploadRate: 50_000 * wave, downloaded: 1_000_000, uploaded: 500_000,
                                        peers: 10, seeds: 4, swarmSeeds: 100, swarmLeechers: 30, eta: 600,
                                        queuePosition: n))
        }
        return SessionSnapshot(torrents: rows, downloadRate: 50_000_000, uploadRate: 2_000_000, listenPort: 6881,
                               connections: 500, uptime: Double(second), freeDiskSpace: 1 << 40)
    }

    static func detail(for torrent: TorrentID) -> TorrentDetail {
        var peers: [PeerSnapshot] = []
        for n in 0..<500 {
            let address = "127.0.\(n / 250).\(n % 250 + 2):\(6881 + n)"
            let down = Double(n * 997 % 500_000)
            let up = Double(n * 331 % 50_000)
            let flags: PeerFlags = [.weAreInterested, .peerInterested, .encrypted]
            peers.append(PeerSnapshot(address: address, client: "libtorrent 2.0.8", flags: flags, downloadRate: down,
                                      uploadRate: up, progress: Double(n % 100) / 100, requestsInFlight: n % 64,
                                      source: "tracker"))
        }
        let files = (0..<50).map { FileSnapshot(path: "dir/file-\($0).bin", size: 10_000_000, progress: 0.5,
                                                priority: .normal) }
        let states = (0..<8000).map { UInt8($0 % 3) }
        let availability = (0..<8000).map { UInt16($0 % 11) }
        return TorrentDetail(id: torrent, peers: peers, files: files,
                             trackers: [TrackerSnapshot(url: "http://127.0.0.1:6969/announce", tier: 0, status: "ok")],
                             pieces: PieceMap(states: states, availability: availability))
    }
}
