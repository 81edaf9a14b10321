internal import NIOCore
import SwarmLogic
import TorrentCore
import WireProtocol

/// Downloading from web seeds (BEP 19): each seed takes whole pieces from the picker, as many at
/// a time as its rate calls for, fetches them with HTTP range requests off the loop, and hands
/// the bytes back block by block, the same way as a peer's. A failed fetch gives its blocks
/// back to the picker and makes the seed wait (`WebSeedHealth`); it never fails the torrent.
/// A piece that fails its hash after a seed sent it counts against that seed in `PeerTrust`.
extension TorrentRuntime {
    /// Starts fetches at every seed that may fetch now.
    func fillWebSeeds() {
        for seed in webSeeds { fillWebSeed(seed) }
    }

    func fillWebSeed(_ seed: WebSeed) {
        guard mayRequest, !seed.health.isDropped else { return }
        let now = core.now
        guard seed.health.mayFetch(at: now) else { return wake(seed, at: seed.health.retryAt) }
        let everything = Bitfield(count: pieceCount, allSet: true)
        let wanted = seed.health.fetchesWanted(rate: seed.downloadRate.rate(at: now), fetchBytes: info.pieceLength)
        while seed.fetchesInFlight < wanted, mayRequest {
            let blocksPerPiece = (info.pieceLength + picker.blockSize - 1) / picker.blockSize
            let allowed = requestAllowance(blocks: blocksPerPiece)
            guard allowed > 0 else { return }
            let picked = picker.pickBlocks(for: seed.key, peerHas: everything, count: allowed, now: now,
                                           using: &core.random, freshPiecesFirst: true)
            guard !picked.isEmpty else { return }
            for fetch in WebSeedFetch.runs(of: picked) { start(fetch, at: seed) }
        }
    }

    private func start(_ fetch: WebSeedFetch, at seed: WebSeed) {
        seed.fetchesInFlight += 1
        let generation = seed.generation
        let segments = seed.map.segments(piece: fetch.piece, offset: fetch.offset, length: fetch.length)
        let fetcher = core.webSeedFetcher
        core.offLoop({ try await fetcher.fetch(segments) }, then: { [self] result in
            guard generation == seed.generation else { return }
            seed.fetchesInFlight -= 1
            switch result {
            case .success(let (bytes, retried)):
                seed.health.retried(retried)
                delivered(bytes, for: fetch, from: seed)
            case .failure(let error):
                failed(fetch, at: seed, error: error as? WebSeedError ?? .unreachable("\(error)"))
            }
            fillAllRequests()
        })
    }

    private func delivered(_ bytes: [UInt8], for fetch: WebSeedFetch, from seed: WebSeed) {
        seed.health.succeeded()
        seed.lastError = nil
        seed.downloadRate.record(bytes: bytes.count, at: core.now)
        var offset = 0
        for block in fetch.blocks {
            let buffer = ByteBuffer(bytes: bytes[offset..<offset + block.length])
            offset += block.length
            _ = storeBlock(block, data: buffer, from: seed.key)
        }
    }

    private func failed(_ fetch: WebSeedFetch, at seed: WebSeed, error: WebSeedError) {
        for block in fetch.blocks { picker.requestCancelled(block, by: seed.key) }
        let wait = seed.health.failed(error.failure, at: core.now)
        seed.lastError = error.description
        if let reason = seed.health.droppedBecause {
            core.log.warning("\(info.name): stopped using web seed \(seed.url): \(reason) (last: \(error))")
            return
        }
        core.log.info("\(info.name): web seed \(seed.url) piece \(fetch.piece): \(error); retrying in \(wait)")
        wake(seed, at: seed.health.retryAt)
    }

    /// Tries the seed again once its back-off is over (the second tick would too, only later).
    private func wake(_ seed: WebSeed, at instant: SwarmInstant?) {
        guard let instant, !seed.wakeScheduled else { return }
        seed.wakeScheduled = true
        let generation = seed.generation
        let delay = core.now.duration(to: instant)
        core.loop.scheduleTask(in: TimeAmount(max(delay, .milliseconds(1)))) { [self] in
            seed.wakeScheduled = false
            guard generation == seed.generation else { return }
            fillWebSeed(seed)
        }
    }

    /// The torrent stopped transferring: fetches in flight are forgotten and their blocks freed.
    func stopWebSeeds() {
        for seed in webSeeds {
            seed.generation += 1
            seed.fetchesInFlight = 0
            seed.wakeScheduled = false
            picker.releaseRequests(of: seed.key)
        }
    }

    /// Stops using the seeds named in `hosts` (banned for bad data).
    func dropWebSeeds(named hosts: Set<String>) {
        for seed in webSeeds where hosts.contains(seed.trustName) && !seed.health.isDropped {
            seed.health.drop(because: "it sent data for several pieces that failed their hash")
            core.log.warning("\(info.name): stopped using web seed \(seed.url): it sent bad data")
            seed.generation += 1
            seed.fetchesInFlight = 0
            picker.releaseRequests(of: seed.key)
        }
    }

    func webSeed(for key: PeerKey) -> WebSeed? {
        guard key.rawValue >= WebSeed.firstKey else { return nil }
        let index = Int(key.rawValue - WebSeed.firstKey)
        return index < webSeeds.count ? webSeeds[index] : nil
    }
}
