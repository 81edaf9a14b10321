import SwarmLogic
import TorrentCore

/// Where a peer address came from.
public enum PeerSource: String, Sendable {
    case tracker, manual, incoming, dht, pex, lsd
}

/// Peer addresses a torrent may connect to, with back-off for the ones that failed.
struct PeerCandidates {
    struct Candidate {
        var endpoint: PeerEndpoint
        var source: PeerSource
        var failures = 0
        var nextAttempt: SwarmInstant
        var connected = false
    }

    private(set) var byEndpoint: [PeerEndpoint: Candidate] = [:]
    /// Most candidates kept; more from trackers are ignored until some are dropped.
    let limit = 2000
    /// Failed attempts after which a (non-manual) address is forgotten.
    let maxFailures = 6

    var notConnectedCount: Int { byEndpoint.values.count { !$0.connected } }

    func source(of endpoint: PeerEndpoint) -> PeerSource { byEndpoint[endpoint]?.source ?? .manual }

    mutating func add(_ endpoint: PeerEndpoint, source: PeerSource, now: SwarmInstant) {
        if byEndpoint[endpoint] != nil { return }
        guard byEndpoint.count < limit else { return }
        byEndpoint[endpoint] = Candidate(endpoint: endpoint, source: source, nextAttempt: now)
    }

    /// Up to `count` addresses ready for a connection attempt, marked as connecting.
    mutating func takeReady(_ count: Int, now: SwarmInstant, excluding banned: Set<String>) -> [PeerEndpoint] {
        guard count > 0 else { return [] }
        var out: [PeerEndpoint] = []
        for (endpoint, candidate) in byEndpoint where !candidate.connected && candidate.nextAttempt <= now {
            if banned.contains(endpoint.host) { continue }
            out.append(endpoint)
            byEndpoint[endpoint]?.connected = true
            if out.count == count { break }
        }
        return out
    }

    /// Makes every waiting address ready now (the torrent wants data again after a pause or a
    /// priority change, so earlier back-offs no longer apply).
    mutating func retryAll(now: SwarmInstant) {
        for endpoint in byEndpoint.keys where byEndpoint[endpoint]?.connected == false {
            byEndpoint[endpoint]?.nextAttempt = now
        }
    }

    /// Tries `endpoint` again at `instant` (when it is still known and not connected).
    mutating func retry(_ endpoint: PeerEndpoint, at instant: SwarmInstant) {
        guard byEndpoint[endpoint]?.connected == false else { return }
        byEndpoint[endpoint]?.nextAttempt = instant
    }

    /// Records that a connection to `endpoint` ended; `failed` when it never became useful.
    mutating func disconnected(_ endpoint: PeerEndpoint, failed: Bool, now: SwarmInstant) {
        guard var candidate = byEndpoint[endpoint] else { return }
        candidate.connected = false
        if failed {
            candidate.failures += 1
            if candidate.failures >= maxFailures && candidate.source != .manual {
                byEndpoint[endpoint] = nil
                return
            }
            let delay = min(600.0, 5.0 * Double(1 << min(candidate.failures, 7)))
            candidate.nextAttempt = now.advanced(by: .seconds(delay))
        } else {
            candidate.failures = 0
            candidate.nextAttempt = now.advanced(by: .seconds(5))
        }
        byEndpoint[endpoint] = candidate
    }
}
