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
}
