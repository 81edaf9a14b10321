import SwarmLogic
import Testing

/// Each cause from the facts that show it; the sentence is what the user reads.
@Suite struct SlowDownDiagnosisTests {
    private func downloading(_ adjust: (inout SwarmFacts) -> Void) -> SlowDownDiagnosis {
        var facts = SwarmFacts(activity: .downloading)
        facts.missingPieces = 100
        adjust(&facts)
        return SlowDownDiagnosis.diagnose(facts)
    }

    @Test func pausedAndQueuedSayWhatTheUserChose() {
        #expect(SlowDownDiagnosis.diagnose(SwarmFacts(activity: .paused)).cause == .paused)
        var queued = SwarmFacts(activity: .queued)
        queued.activeDownloads = 2
        queued.activeDownloadLimit = 2
        let result = SlowDownDiagnosis.diagnose(queued)
        #expect(result.cause == .queued)
        #expect(result.sentence == "It waits for a queue slot: 2 torrents are active (the limit is 2).")
        queued.activeDownloads = 1
        queued.activeDownloadLimit = 1
        #expect(SlowDownDiagnosis.diagnose(queued).sentence
            == "It waits for a queue slot: 1 torrent is active (the limit is 1).")
    }

    @Test func noPeersKnownNamesFailingTrackersAndTheDHT() {
        let result = downloading {
            $0.trackers = [.init(url: "http://127.0.0.1:1/announce", error: "connection refused"),
                           .init(url: "udp://127.0.0.1:2", error: "timed out")]
            $0.dhtEnabled = true
            $0.dhtNodes = 0
        }
        #expect(result.cause == .noPeersKnown)
        #expect(result.sentence == "No peers are known: all 2 trackers fail and the DHT is not bootstrapped.")
        #expect(result.evidence.contains("tracker http://127.0.0.1:1/announce: connection refused"))
    }

    @Test func noPeersKnownOnAPrivateTorrentSaysOnlyTrackersMayHelp() {
        let result = downloading {
            $0.isPrivate = true
            $0.trackers = [.init(url: "http://127.0.0.1:1/announce", error: "connection refused")]
        }
        #expect(result.sentence
            == "No peers are known: its tracker fails and it is private, so only its trackers may find peers.")
    }

    @Test func knownButUnreachablePeersGiveTheCommonestFailureAndTheListenPort() {
        let result = downloading {
            $0.peersKnown = 3
            $0.connectionFailures = ["connection refused": 5, "connection timed out": 2]
        }
        #expect(result.cause == .noneConnected)
        #expect(result.sentence == "3 peers are known but none is connected: 7 attempts failed, most with "
            + "\"connection refused\"; no peer has ever connected to us, so the listen port is probably not reachable.")
        #expect(result.evidence.first == "5 × connection refused")
    }

    @Test func incomingConnectionsSeenRuleOutTheListenPort() {
        let result = downloading {
            $0.peersKnown = 1
            $0.incomingConnectionsSeen = 4
        }
        #expect(!result.sentence.contains("listen port"))
    }

    @Test func peersWithNothingWeNeedComeBeforeChoking() {
        let result = downloading {
            $0.peersConnected = 2
            $0.peersWithNothingWeNeed = 2
            $0.peersChokingUs = 0
            $0.missingPiecesUnavailable = 100
        }
        #expect(result.cause == .nothingWeNeed)
        #expect(result.sentence
            == "The 2 connected peers have nothing we need: no peer has any of the 100 missing pieces.")
        #expect(result.evidence.contains("100 of 100 missing pieces: availability 0"))
    }

    @Test func chokedByEveryUsefulPeer() {
        let result = downloading {
            $0.peersConnected = 3
            $0.peersWithNothingWeNeed = 1
            $0.peersChokingUs = 2
        }
        #expect(result.cause == .chokedByAll)
        #expect(result.sentence == "All 2 peers with pieces we need choke us: they upload to others, not to us.")
    }

    @Test func ourOwnLimitWinsOverTheSwarmWhenTheRateIsAtIt() {
        let limited = downloading {
            $0.peersConnected = 3
            $0.downloadRate = 98_000
            $0.torrentDownloadLimit = 100_000
            $0.sessionDownloadLimit = 1_000_000
        }
        #expect(limited.cause == .rateLimit)
        #expect(limited.sentence == "Held back by this torrent's own download limit of 97.7 KiB/s.")
        let below = downloading {
            $0.peersConnected = 3
            $0.downloadRate = 10_000
            $0.sessionDownloadLimit = 100_000
        }
        #expect(below.cause == .swarmLimited)
    }

    @Test func aFullPieceBufferBlamesTheDisk() {
        let result = downloading {
            $0.peersConnected = 3
            $0.diskBufferFull = true
            $0.piecesWaitingToBeWritten = 12
        }
        #expect(result.cause == .diskBackpressure)
        #expect(result.sentence.hasPrefix("The disk is the bottleneck: 12 pieces are waiting to be written"))
    }

    @Test func shortPipelinesAreNamedWithTheirDepth() {
        let result = downloading {
            $0.peersConnected = 2
            $0.downloadRate = 2_000_000
            $0.pipelineShortfalls = [.init(address: "127.0.0.2:6881", rate: 1_000_000, depth: 2)]
        }
        #expect(result.cause == .pipelineTooShort)
        #expect(result.sentence == "The request pipeline is too short: 1 peer accepts only 2 requests at a time, "
            + "fewer than its rate needs.")
    }

    @Test func oneSlowPeerInEndgameIsNamed() {
        let slow = SwarmFacts.EndgameHolder(address: "127.0.0.5:7000", rate: 2048, blocks: 3,
                                            fastestOtherRate: 4_000_000)
        let result = downloading {
            $0.peersConnected = 2
            $0.endgameHolder = slow
        }
        #expect(result.cause == .endgameSlowPeer)
        #expect(result.sentence.hasPrefix("One slow peer holds the last pieces: 127.0.0.5:7000 sends 2.0 KiB/s"))
        var fastHolder = slow
        fastHolder.rate = 3_000_000
        #expect(downloading { $0.peersConnected = 2; $0.endgameHolder = fastHolder }.cause == .swarmLimited)
    }

    @Test func everyCauseHasASentence() {
        for activity in [SwarmFacts.Activity.paused, .queued, .checking, .complete, .downloading, .fetchingMetadata] {
            let result = SlowDownDiagnosis.diagnose(SwarmFacts(activity: activity))
            #expect(!result.sentence.isEmpty && result.sentence.hasSuffix("."))
        }
    }
}
