import EngineAPI
import SwarmLogic
import TorrentCore

/// "Why is it slow?": the facts this torrent's owner knows, handed to the pure `SlowDownDiagnosis`.
extension TorrentRuntime {
    /// Distinct failure reasons kept per torrent; more are counted under "other".
    func noteConnectionFailure(_ reason: String) {
        SessionCore.count(reason, in: &connectionFailures)
    }

    func diagnosis(at now: SwarmInstant, trackers: [TrackerSnapshot]) -> TorrentDiagnosis {
        if case .failed(let reason) = lifecycle.state {
            return TorrentDiagnosis(cause: "failed", sentence: "It stopped with an error: \(reason).")
        }
        let result = SlowDownDiagnosis.diagnose(swarmFacts(at: now, trackers: trackers))
        return TorrentDiagnosis(cause: result.cause.rawValue, sentence: result.sentence, evidence: result.evidence)
    }

    func swarmFacts(at now: SwarmInstant, trackers: [TrackerSnapshot]) -> SwarmFacts {
        var facts = core.discoveryFacts(activity: activity, isPrivate: info.isPrivate, trackers: trackers,
                                        swarm: swarm, failures: connectionFailures, at: now)
        facts.downloadRate = downloadRate.rate(at: now)
        facts.torrentDownloadLimit = downloadLimit?.rate
        facts.sessionDownloadLimit = core.downloadLimit?.rate
        facts.activeDownloads = core.registry.torrents.values.count { $0.isDownloading }
        facts.activeDownloadLimit = core.registry.maxActiveDownloads
        facts.piecesWaitingToBeWritten = assembly.piecesVerifying
        facts.diskBufferFull = isDownloading && !assembly.hasRoom
        for piece in 0..<pieceCount where picker.priorities[piece].isWanted && !picker.have[piece] {
            facts.missingPieces += 1
            if picker.availability(of: PieceIndex(checked: piece)) == 0 { facts.missingPiecesUnavailable += 1 }
        }
        for peer in swarm.values {
            guard let session = peer.session else { continue }
            if !wants(anyOf: session.has) {
                facts.peersWithNothingWeNeed += 1
            } else if session.peerChoking {
                facts.peersChokingUs += 1
            }
        }
        facts.pipelineShortfalls = pipelineShortfalls(at: now)
        facts.endgameHolder = endgameHolder(at: now)
        return facts
    }

    private var activity: SwarmFacts.Activity {
        switch lifecycle.state {
        case .checking: .checking
        case .queued: .queued
        case .downloading: .downloading
        case .seeding, .finished: .complete
        case .paused, .stopped, .failed: .paused
        }
    }

    /// Peers whose own request limit (`reqq`) is full and below what their rate needs.
    private func pipelineShortfalls(at now: SwarmInstant) -> [SwarmFacts.PipelineShortfall] {
        guard isDownloading else { return [] }
        return swarm.values.compactMap { peer in
            guard let session = peer.session, let limit = session.requestLimit, !session.peerChoking else { return nil }
            let rate = session.downloadRate.rate(at: now)
            let depth = session.pipelineDepth(at: now, pipeline: pipeline)
            let needed = pipeline.depth(downloadRate: rate, peerLimit: pipeline.maximumDepth)
            guard rate > 0, depth >= limit, needed > depth else { return nil }
            return SwarmFacts.PipelineShortfall(address: peer.endpoint.description, rate: rate, depth: depth)
        }
    }

    /// In endgame, the one peer that holds every outstanding request for the missing blocks.
    private func endgameHolder(at now: SwarmInstant) -> SwarmFacts.EndgameHolder? {
        guard isDownloading, swarm.count > 1, picker.isInEndgame else { return nil }
        let holders = swarm.values.filter { picker.outstandingCount(of: $0.key) > 0 }
        guard holders.count == 1, let holder = holders.first, let session = holder.session else { return nil }
        let others = swarm.values.filter { $0 !== holder }.compactMap { $0.session?.downloadRate.rate(at: now) }
        return SwarmFacts.EndgameHolder(address: holder.endpoint.description, rate: session.downloadRate.rate(at: now),
                                        blocks: picker.outstandingCount(of: holder.key),
                                        fastestOtherRate: others.max() ?? 0)
    }
}

extension SessionCore {
    /// Distinct connection failure reasons kept per torrent; more are counted under "other".
    static let maxFailureReasons = 12

    static func count(_ reason: String, in failures: inout [String: Int]) {
        let key = failures[reason] != nil || failures.count < maxFailureReasons ? reason : "other"
        failures[key, default: 0] += 1
    }

    /// The facts about finding and reaching peers, the same for torrents and magnet links.
    func discoveryFacts(activity: SwarmFacts.Activity, isPrivate: Bool, trackers: [TrackerSnapshot],
                        swarm: SwarmPeers, failures: [String: Int], at now: SwarmInstant) -> SwarmFacts {
        var facts = SwarmFacts(activity: activity)
        facts.isPrivate = isPrivate
        facts.trackers = trackers.map {
            SwarmFacts.Tracker(url: $0.url, error: $0.status == "error" ? $0.lastError : nil,
                               hasWorked: $0.status == "working")
        }
        facts.dhtEnabled = isDHTRunning && !isPrivate
        facts.dhtNodes = dhtHealth(at: now)?.nodes ?? 0
        facts.peersKnown = swarm.knownNotConnected
        facts.peersConnected = swarm.count
        facts.connectionFailures = failures
        facts.incomingConnectionsSeen = connections.incomingAccepted
        facts.acceptsIncoming = connections.acceptsIncoming
        return facts
    }
}
