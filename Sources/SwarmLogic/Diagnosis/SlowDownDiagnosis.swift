/// The answer to "why is it slow?": the one thing holding a download back, said in one sentence,
/// with the facts that show it.
public struct SlowDownDiagnosis: Sendable, Equatable {
    /// The bottleneck, from what the engine can see.
    public enum Cause: String, Sendable, CaseIterable {
        case paused, queued, checking, complete, fetchingMetadata
        case noPeersKnown, noneConnected, nothingWeNeed, chokedByAll
        case rateLimit, diskBackpressure, pipelineTooShort, endgameSlowPeer
        /// Nothing on our side: the connected peers send what they send.
        case swarmLimited
    }

    public var cause: Cause
    public var sentence: String
    public var evidence: [String]

    public init(cause: Cause, sentence: String, evidence: [String]) {
        self.cause = cause
        self.sentence = sentence
        self.evidence = evidence
    }

    /// Names the bottleneck. The order is the policy: first what the user chose (paused, queued,
    /// limits), then our own machine (the disk), then finding peers, then what connected peers
    /// do (nothing we need, choking), then how we ask (pipeline, endgame). The first cause that
    /// fits wins, because fixing a later one cannot help while an earlier one holds.
    public static func diagnose(_ facts: SwarmFacts) -> SlowDownDiagnosis {
        if let early = lifecycleDiagnosis(facts) { return early }
        if let limit = rateLimitDiagnosis(facts) { return limit }
        if facts.diskBufferFull {
            return SlowDownDiagnosis(
                cause: .diskBackpressure,
                sentence: "The disk is the bottleneck: \(facts.piecesWaitingToBeWritten) pieces are waiting to be "
                    + "written, so no new blocks are requested.",
                evidence: ["piece buffer full", "download \(rateText(facts.downloadRate))"])
        }
        if facts.peersConnected == 0 {
            return facts.peersKnown == 0 ? noPeersKnown(facts) : noneConnected(facts)
        }
        return connectedDiagnosis(facts)
    }

    private static func lifecycleDiagnosis(_ facts: SwarmFacts) -> SlowDownDiagnosis? {
        switch facts.activity {
        case .paused:
            return SlowDownDiagnosis(cause: .paused, sentence: "The torrent is paused; press p to resume it.",
                                     evidence: [])
        case .queued:
            let limit = facts.activeDownloadLimit.map { " (the limit is \($0))" } ?? ""
            return SlowDownDiagnosis(
                cause: .queued,
                sentence: "It waits for a queue slot: \(counted(facts.activeDownloads, "torrent")) "
                    + "\(facts.activeDownloads == 1 ? "is" : "are") active\(limit).",
                evidence: ["raise it in the queue with +, or allow more active downloads"])
        case .checking:
            return SlowDownDiagnosis(cause: .checking, sentence: "The data on disk is being checked first.",
                                     evidence: [])
        case .complete:
            return SlowDownDiagnosis(cause: .complete, sentence: "Nothing to download: every wanted piece is here.",
                                     evidence: [])
        case .fetchingMetadata where facts.peersConnected > 0:
            return SlowDownDiagnosis(
                cause: .fetchingMetadata,
                sentence: "The torrent's metadata is being fetched from \(counted(facts.peersConnected, "peer")).",
                evidence: [])
        case .downloading, .fetchingMetadata:
            return nil
        }
    }

    private static func rateLimitDiagnosis(_ facts: SwarmFacts) -> SlowDownDiagnosis? {
        let limits = [(facts.torrentDownloadLimit, "this torrent's"), (facts.sessionDownloadLimit, "the session's")]
        let binding = limits.compactMap { limit, owner in limit.map { ($0, owner) } }.min { $0.0 < $1.0 }
        guard let (limit, owner) = binding, limit > 0, facts.downloadRate >= Double(limit) * 0.75 else { return nil }
        return SlowDownDiagnosis(
            cause: .rateLimit,
            sentence: "Held back by \(owner) own download limit of \(rateText(Double(limit))).",
            evidence: ["download \(rateText(facts.downloadRate))", "change it with l"])
    }

    private static func noPeersKnown(_ facts: SwarmFacts) -> SlowDownDiagnosis {
        var reasons: [String] = []
        var evidence: [String] = []
        let failing = facts.trackers.filter { $0.error != nil }
        if facts.trackers.isEmpty {
            reasons.append("the torrent has no trackers")
        } else if failing.count == facts.trackers.count {
            reasons.append(facts.trackers.count == 1 ? "its tracker fails" : "all \(failing.count) trackers fail")
        } else if !facts.trackers.contains(where: \.hasWorked) {
            reasons.append("no tracker has answered yet")
        } else {
            reasons.append("the trackers list no peers")
        }
        for tracker in failing {
            let error = tracker.error ?? ""
            evidence.append(error.contains(tracker.url) ? error : "tracker \(tracker.url): \(error)")
        }
        if facts.isPrivate {
            reasons.append("it is private, so only its trackers may find peers")
        } else if !facts.dhtEnabled {
            reasons.append("the DHT is off")
        } else if facts.dhtNodes == 0 {
            reasons.append("the DHT is not bootstrapped")
            evidence.append("DHT: 0 nodes")
        } else {
            evidence.append("DHT: \(facts.dhtNodes) nodes, no peers found yet")
        }
        let what = facts.activity == .fetchingMetadata ? "to fetch the metadata from" : ""
        let sentence = "No peers are known\(what.isEmpty ? "" : " " + what): " + joined(reasons) + "."
        return SlowDownDiagnosis(cause: .noPeersKnown, sentence: sentence, evidence: evidence)
    }

    private static func noneConnected(_ facts: SwarmFacts) -> SlowDownDiagnosis {
        let failures = facts.connectionFailures.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
        let attempts = failures.reduce(0) { $0 + $1.value }
        var evidence = failures.map { "\($0.value) × \($0.key)" }
        var sentence = facts.peersKnown == 1 ? "1 peer is known but not connected"
            : "\(facts.peersKnown) peers are known but none is connected"
        if let top = failures.first {
            sentence += ": \(counted(attempts, "attempt")) failed, "
                + (failures.count == 1 ? "all with \"\(top.key)\"" : "most with \"\(top.key)\"")
        } else {
            sentence += " yet"
        }
        if facts.acceptsIncoming && facts.incomingConnectionsSeen == 0 {
            sentence += "; no peer has ever connected to us, so the listen port is probably not reachable"
            evidence.append("incoming connections: 0")
        } else if !facts.acceptsIncoming {
            evidence.append("incoming connections are not accepted")
        }
        return SlowDownDiagnosis(cause: .noneConnected, sentence: sentence + ".", evidence: evidence)
    }

    private static func connectedDiagnosis(_ facts: SwarmFacts) -> SlowDownDiagnosis {
        let connected = facts.peersConnected
        var evidence = ["\(counted(connected, "peer")) connected, download \(rateText(facts.downloadRate))"]
        if facts.missingPiecesUnavailable > 0 {
            evidence.append("\(facts.missingPiecesUnavailable) of \(facts.missingPieces) missing pieces: "
                + "availability 0")
        }
        if facts.peersWithNothingWeNeed >= connected {
            let who = connected == 1 ? "The connected peer has" : "The \(connected) connected peers have"
            let sentence = facts.missingPiecesUnavailable >= facts.missingPieces && facts.missingPieces > 0
                ? "\(who) nothing we need: no peer has any of the \(counted(facts.missingPieces, "missing piece"))."
                : "\(who) nothing we need."
            return SlowDownDiagnosis(cause: .nothingWeNeed, sentence: sentence, evidence: evidence)
        }
        let useful = connected - facts.peersWithNothingWeNeed
        if facts.peersChokingUs >= useful {
            evidence.append("\(facts.peersChokingUs) of \(connected) peers choke us")
            let sentence = useful == 1
                ? "The one peer with pieces we need chokes us: it uploads to others, not to us."
                : "All \(useful) peers with pieces we need choke us: they upload to others, not to us."
            return SlowDownDiagnosis(cause: .chokedByAll, sentence: sentence, evidence: evidence)
        }
        if let holder = facts.endgameHolder, holder.rate * 4 < holder.fastestOtherRate || holder.rate < 1024 {
            evidence.append("\(holder.address): \(holder.blocks) blocks at \(rateText(holder.rate))")
            evidence.append("fastest other peer: \(rateText(holder.fastestOtherRate))")
            return SlowDownDiagnosis(
                cause: .endgameSlowPeer,
                sentence: "One slow peer holds the last pieces: \(holder.address) sends "
                    + "\(rateText(holder.rate)) while others could send \(rateText(holder.fastestOtherRate)).",
                evidence: evidence)
        }
        if !facts.pipelineShortfalls.isEmpty {
            let shortfalls = facts.pipelineShortfalls
            evidence += shortfalls.prefix(4).map { "\($0.address): \($0.depth) requests at \(rateText($0.rate))" }
            let depths = Set(shortfalls.map(\.depth)).sorted().map(String.init).joined(separator: "/")
            return SlowDownDiagnosis(
                cause: .pipelineTooShort,
                sentence: "The request pipeline is too short: \(counted(shortfalls.count, "peer")) "
                    + "\(shortfalls.count == 1 ? "accepts" : "accept") only \(depths) requests at a time, "
                    + "fewer than \(shortfalls.count == 1 ? "its rate needs" : "their rates need").",
                evidence: evidence)
        }
        return SlowDownDiagnosis(
            cause: .swarmLimited,
            sentence: "Nothing on our side holds it back: \(counted(useful, "peer")) "
                + "\(useful == 1 ? "sends" : "send") \(rateText(facts.downloadRate)).",
            evidence: evidence)
    }

    /// "1 peer", "3 peers".
    static func counted(_ count: Int, _ noun: String) -> String {
        "\(count) \(noun)\(count == 1 ? "" : "s")"
    }

    private static func joined(_ parts: [String]) -> String {
        guard parts.count > 1 else { return parts.first ?? "" }
        return parts.dropLast().joined(separator: ", ") + " and " + parts.last!
    }

    /// "512 KiB/s" style, for sentences.
    static func rateText(_ rate: Double) -> String {
        guard rate.isFinite, rate >= 1 else { return "0 B/s" }
        let units = ["B/s", "KiB/s", "MiB/s", "GiB/s"]
        var value = rate
        var unit = 0
        while value >= 1024 && unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        return unit == 0 || value >= 100 ? "\(Int(value.rounded())) \(units[unit])"
            : "\((value * 10).rounded() / 10) \(units[unit])"
    }
}
