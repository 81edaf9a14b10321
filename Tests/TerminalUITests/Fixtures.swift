import EngineAPI
@testable import TerminalUI

/// Deterministic session data for screen snapshots and controller tests.
enum Fixtures {
    static func id(_ n: Int) -> TorrentID {
        TorrentID(hex: String(repeating: String(n % 10), count: 40))
    }

    static let downloading = id(1)
    static let seeding = id(2)
    static let paused = id(3)

    static func torrents() -> [TorrentSnapshot] {
        [
            TorrentSnapshot(id: id(1), name: "ubuntu-24.04-desktop-amd64.iso", totalSize: 6_114_656_256, progress: 0.423,
                            phase: .downloading, downloadRate: 1_572_864, uploadRate: 122_880, downloaded: 2_586_000_000,
                            uploaded: 310_000_000, peers: 12, seeds: 5, swarmSeeds: 120, swarmLeechers: 40, eta: 2100,
                            queuePosition: 0),
            TorrentSnapshot(id: id(2), name: "debian-12.5.0-amd64-netinst.iso", totalSize: 658_505_728, progress: 1,
                            phase: .seeding, uploadRate: 51_200, downloaded: 658_505_728, uploaded: 1_317_011_456,
                            peers: 3, seeds: 0, swarmSeeds: 800, swarmLeechers: 12, queuePosition: 1),
            TorrentSnapshot(id: id(3), name: "archlinux-2024.06.01-x86_64.iso", totalSize: 1_180_000_000, progress: 0.1,
                            phase: .paused, downloaded: 118_000_000, queuePosition: 2),
            TorrentSnapshot(id: id(4), name: "Big Buck Bunny 1080p", totalSize: 928_670_754, progress: 0.37,
                            phase: .checking(progress: 0.37), queuePosition: 3),
            TorrentSnapshot(id: id(5), name: "magnet:?xt=urn:btih:5555", totalSize: 0, progress: 0,
                            phase: .fetchingMetadata, peers: 2, queuePosition: 4),
            TorrentSnapshot(id: id(6), name: "Fedora-Workstation-Live-x86_64-40", totalSize: 2_295_853_056, progress: 0,
                            phase: .queued, queuePosition: 5),
            TorrentSnapshot(id: id(7), name: "old-photos-backup", totalSize: 52_428_800, progress: 0.8,
                            phase: .failed("disk full"), queuePosition: 6),
        ]
    }

    static func detail() -> TorrentDetail {
        let peers: [PeerSnapshot] = [
            PeerSnapshot(address: "127.0.0.2:51413", client: "Transmission 3.00",
                         flags: [.weAreInterested, .peerInterested, .seed, .encrypted], downloadRate: 524_288,
                         uploadRate: 0, progress: 1, requestsInFlight: 48, source: "tracker"),
            PeerSnapshot(address: "127.0.0.3:6881", client: "libtorrent 2.0.8",
                         flags: [.weAreInterested, .peerInterested, .incoming, .utp], downloadRate: 716_800,
                         uploadRate: 65_536, progress: 0.61, requestsInFlight: 32, source: "incoming"),
            PeerSnapshot(address: "127.0.0.4:6889", client: "aria2 1.36.0",
                         flags: [.weAreInterested, .peerChokes, .weChoke, .peerInterested, .snubbed],
                         downloadRate: 0, uploadRate: 0, progress: 0.05, requestsInFlight: 0, source: "dht"),
            PeerSnapshot(address: "[::1]:7000", client: "qBittorrent 4.6.4",
                         flags: [.weAreInterested, .peerInterested, .optimistic], downloadRate: 331_776,
                         uploadRate: 57_344, progress: 0.33, requestsInFlight: 16, source: "pex"),
        ]
        let files: [FileSnapshot] = [
            FileSnapshot(path: "ubuntu/casper/filesystem.squashfs", size: 5_800_000_000, progress: 0.41,
                         priority: .normal),
            FileSnapshot(path: "ubuntu/boot/grub/grub.cfg", size: 2_048, progress: 1, priority: .high),
            FileSnapshot(path: "ubuntu/pool/main/l/linux-firmware.deb", size: 300_000_000, progress: 0.5,
                         priority: .low),
            FileSnapshot(path: "ubuntu/README.diskdefines", size: 230, progress: 0, priority: .skip),
        ]
        let trackers: [TrackerSnapshot] = [
            TrackerSnapshot(url: "http://127.0.0.1:6969/announce", tier: 0, status: "working", nextAnnounce: 1_742,
                            seeders: 120, leechers: 40),
            TrackerSnapshot(url: "udp://127.0.0.1:6970/announce", tier: 1, status: "error",
                            lastError: "connection refused", nextAnnounce: 95),
        ]
        var states: [UInt8] = []
        var availability: [UInt16] = []
        for piece in 0..<700 {
            let state: PieceMap.State
            if piece % 7 == 0 || piece < 180 { state = .have }
            else if piece % 11 == 0 { state = .downloading }
            else if piece >= 640 { state = .skipped }
            else { state = .missing }
            states.append(state.rawValue)
            availability.append(UInt16(piece % 13 == 0 ? 0 : (piece % 5 == 0 ? 1 : 3 + piece % 4)))
        }
        return TorrentDetail(id: id(1), peers: peers, files: files, trackers: trackers,
                             pieces: PieceMap(states: states, availability: availability))
    }

    static func snapshot(uptime: Double = 300, withDetail: Bool = true) -> SessionSnapshot {
        SessionSnapshot(torrents: torrents(), detail: withDetail ? detail() : nil, downloadRate: 1_572_864,
                        uploadRate: 174_080, downloadLimit: 4_194_304, uploadLimit: nil, listenPort: 6881,
                        connections: 17, uptime: uptime, freeDiskSpace: 128_849_018_880,
                        dht: DHTHealth(nodes: 312, goodNodes: 280, lookupsInFlight: 2, secondsSinceBootstrap: 40))
    }

    /// A controller fed 300 seconds of rate history and a few events, at `width`×`height`.
    static func controller(width: Int, height: Int) -> UIController {
        let controller = UIController(themeNames: ["dark", "light", "monochrome"])
        controller.resize(width: width, height: height)
        for second in 0..<300 {
            var snapshot = snapshot(uptime: Double(second))
            // A deterministic wave so the graphs have shape.
            let phase = Double((second * 7) % 60) / 60
            snapshot.downloadRate = 1_000_000 + 800_000 * (phase < 0.5 ? phase : 1 - phase)
            snapshot.uploadRate = Double(second % 30) * 8_000
            snapshot.torrents[0].downloadRate = snapshot.downloadRate * 0.9
            snapshot.torrents[0].uploadRate = snapshot.uploadRate * 0.5
            controller.update(snapshot: snapshot, events: second == 0 ? startEvents : [], clock: "12:00:00")
        }
        controller.update(snapshot: snapshot(uptime: 300), events: laterEvents, clock: "12:05:00")
        return controller
    }

    static let startEvents: [EngineEvent] = [
        .added(id(1), name: "ubuntu-24.04-desktop-amd64.iso"),
        .added(id(2), name: "debian-12.5.0-amd64-netinst.iso"),
        .metadataReceived(id(4), name: "Big Buck Bunny 1080p"),
    ]

    static let laterEvents: [EngineEvent] = [
        .trackerError(id(1), url: "udp://127.0.0.1:6970/announce", message: "connection refused"),
        .hashFailed(id(1), piece: 211),
        .completed(id(2)),
    ]
}
