internal import NIOCore
import EngineAPI
import SwarmLogic
import TorrentCore
import WireProtocol

/// Announces one torrent to its trackers (BEP 12 tiers), on the schedule they ask for, backing
/// off on failures. Confined to the session's event loop; the network calls run as tasks.
final class TrackerAnnouncer: @unchecked Sendable {
    private unowned let core: SessionCore
    private var tiers: TrackerTiers
    private var schedule = AnnounceSchedule()
    private var nextAnnounce: SwarmInstant
    private var inFlight = false
    private var started = false
    private var trackerID: [UInt8]?
    private let key: UInt32
    private(set) var lastError: String?
    private(set) var seeders: Int?
    private(set) var leechers: Int?
    /// The last tracker that answered.
    private var lastGood: String?

    /// Each tracker's state for the trackers pane.
    func snapshot(at now: SwarmInstant) -> [TrackerSnapshot] {
        var rows: [TrackerSnapshot] = []
        let current = tiers.current
        for (tierIndex, tier) in tiers.tiers.enumerated() {
            for url in tier {
                let isCurrent = url == current
                let status: String
                if isCurrent && inFlight {
                    status = "announcing"
                } else if url == lastGood {
                    status = "working"
                } else if isCurrent && lastError != nil {
                    status = "error"
                } else {
                    status = isCurrent ? "next" : "standby"
                }
                let wait = now.duration(to: nextAnnounce).components
                rows.append(TrackerSnapshot(
                    url: url, tier: tierIndex + 1, status: status, lastError: isCurrent ? lastError : nil,
                    nextAnnounce: isCurrent ? max(0, Double(wait.seconds) + Double(wait.attoseconds) / 1e18) : nil,
                    seeders: url == lastGood ? seeders : nil, leechers: url == lastGood ? leechers : nil))
            }
        }
        return rows
    }

    init(tiers: [[String]], core: SessionCore) {
        self.core = core
        self.tiers = TrackerTiers(tiers: tiers, using: &core.random)
        self.key = UInt32.random(in: .min ... .max, using: &core.random)
        self.nextAnnounce = core.now
    }

    func tick(_ torrent: any AnnounceTarget) {
        guard !inFlight, core.now >= nextAnnounce else { return }
        announce(torrent, event: started ? .none : .started)
    }

    /// Announces at the next tick instead of waiting for the interval (a user's "reannounce").
    func announceSoon() {
        nextAnnounce = core.now
    }

    func completed(_ torrent: any AnnounceTarget) {
        guard started else { return }
        tiers.restartRound()
        announce(torrent, event: .completed)
    }

    /// Tells the trackers we leave; waits at most a few seconds for them.
    func stopped(_ torrent: any AnnounceTarget) {
        guard started, let url = tiers.current, let client = core.trackerClient else { return }
        let request = makeRequest(torrent, event: .stopped)
        let core = self.core
        core.goodbyesPending += 1
        core.offLoop({ _ = try? await client.announce(url: url, request: request) }) { _ in
            core.goodbyesPending -= 1
        }
    }

    private func makeRequest(_ torrent: any AnnounceTarget, event: AnnounceEvent) -> AnnounceRequest {
        let totals = torrent.announceTotals
        var request = AnnounceRequest(
            infoHash: torrent.infoHash, peerID: core.peerID.bytes, port: UInt16(clamping: core.listeningPort),
            uploaded: Int64(totals.uploaded), downloaded: Int64(totals.downloaded), left: Int64(totals.left),
            event: event)
        request.key = key
        request.trackerID = trackerID
        request.numWant = totals.isSeeding ? 20 : 80
        return request
    }

    private func announce(_ torrent: any AnnounceTarget, event: AnnounceEvent) {
        guard let url = tiers.current, let client = core.trackerClient else { return }
        inFlight = true
        let request = makeRequest(torrent, event: event)
        nonisolated(unsafe) let torrent = torrent  // used on the loop only
        core.offLoop({ try await client.announce(url: url, request: request) }) { [self] result in
            inFlight = false
            switch result {
            case .success(let response):
                started = true
                lastGood = url
                tiers.currentSucceeded()
                if let id = response.trackerID { trackerID = id }
                seeders = response.seeders
                leechers = response.leechers
                lastError = response.warning.map { "tracker warning: \($0)" }
                torrent.trackerMessage = lastError
                let wait = schedule.succeeded(interval: response.interval, minInterval: response.minInterval)
                nextAnnounce = core.now.advanced(by: wait)
                let others = response.peers.filter { !core.isOwnAddress($0) }
                core.log.info("tracker \(url) gave \(others.count) peers")
                torrent.addCandidates(others, source: .tracker)
                if let second = torrent.secondInfoHash { announceSecondSwarm(second, request: request, url: url) }
            case .failure(let error):
                if case .cancelled? = error as? TrackerError { return }  // the session is stopping
                lastError = String(describing: error)
                torrent.trackerMessage = lastError
                core.log.warning("announce failed: \(error)")
                switch tiers.currentFailed() {
                case .tryNext:
                    nextAnnounce = core.now
                case .roundFailed:
                    nextAnnounce = core.now.advanced(by: schedule.failed(using: &core.random))
                }
            }
        }
    }

    /// A hybrid torrent is in two swarms (BEP 52): after each good announce of its v1 hash, the
    /// same announce with its truncated v2 hash, whose peers join the same torrent.
    private func announceSecondSwarm(_ hash: InfoHash, request: AnnounceRequest, url: String) {
        guard let client = core.trackerClient else { return }
        var copy = request
        copy.infoHash = hash
        let second = copy
        let core = self.core
        core.offLoop({ try await client.announce(url: url, request: second) }) { result in
            guard case .success(let response) = result else { return }
            let others = response.peers.filter { !core.isOwnAddress($0) }
            if !others.isEmpty, core.addCandidates(others, to: hash, source: .tracker) {
                core.log.info("tracker \(url) gave \(others.count) peers in the v2 swarm")
            }
        }
    }
}
