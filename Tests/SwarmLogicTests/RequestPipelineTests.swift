import Testing
@testable import SwarmLogic

@Suite struct RequestPipelineTests {
    let pipeline = RequestPipeline()

    @Test func keepsAFloorForSlowOrNewPeers() {
        #expect(pipeline.depth(downloadRate: 0) == 4)
        #expect(pipeline.depth(downloadRate: 10_000) == 4)
    }

    @Test func coversTwoSecondsOfTheMeasuredRate() {
        #expect(pipeline.depth(downloadRate: 1_048_576) == 128)
        #expect(pipeline.depth(downloadRate: 100_000) == 13)
    }

    @Test func respectsThePeersQueueLimit() {
        #expect(pipeline.depth(downloadRate: 104_857_600) == 250)
        #expect(pipeline.depth(downloadRate: 104_857_600, peerLimit: 50) == 50)
        #expect(pipeline.depth(downloadRate: 104_857_600, peerLimit: 2000) == 500)
        #expect(pipeline.depth(downloadRate: 0, peerLimit: 2) == 2)
    }

    @Test func survivesNonsenseRates() {
        #expect(pipeline.depth(downloadRate: .nan) == 4)
        #expect(pipeline.depth(downloadRate: .infinity) == 250)
        #expect(pipeline.depth(downloadRate: -5) == 4)
    }

    @Test func manyPeersShareTheTorrentBudget() {
        let peers = 30
        let rate = 20.0 * 1_048_576
        let depth = pipeline.depth(downloadRate: rate, torrentRate: rate * Double(peers))
        // Alone, such a peer would get its whole queue limit.
        #expect(pipeline.depth(downloadRate: rate) == 250)
        #expect(depth < 250)
        // All of them together stay near the budget, whatever their number.
        let total = depth * peers * pipeline.blockSize
        #expect(total <= pipeline.torrentBudget + peers * pipeline.blockSize)
        #expect(total >= pipeline.torrentBudget - peers * pipeline.blockSize)
    }

    @Test func theBudgetFollowsEachPeersShareOfTheRate() {
        let pipeline = RequestPipeline(defaultPeerLimit: 2000, maximumDepth: 2000)
        let fast = pipeline.depth(downloadRate: 30_000_000, torrentRate: 40_000_000)
        let slow = pipeline.depth(downloadRate: 10_000_000, torrentRate: 40_000_000)
        #expect(fast > slow)
        #expect(slow < pipeline.depth(downloadRate: 10_000_000))
        #expect(fast + slow <= pipeline.torrentBudget / pipeline.blockSize + 2)
    }

    @Test func aPeerAloneOrNewKeepsItsOwnDepth() {
        #expect(pipeline.depth(downloadRate: 1_048_576, torrentRate: 1_048_576) == pipeline.depth(downloadRate: 1_048_576))
        #expect(pipeline.depth(downloadRate: 0, torrentRate: 500_000_000) == 4)
        #expect(pipeline.depth(downloadRate: 1000, torrentRate: 500_000_000_000) == 4)
        #expect(pipeline.depth(downloadRate: .nan, torrentRate: .nan) == 4)
    }
}
