import SwarmLogic
import Testing

@Suite struct QueueSlotsTests {
    typealias Candidate = QueueSlots.Candidate<String>

    @Test func earliestInQueueGetTheDownloadSlots() {
        let candidates = [
            Candidate(id: "c", position: 2, kind: .download),
            Candidate(id: "a", position: 0, kind: .download),
            Candidate(id: "b", position: 1, kind: .download),
        ]
        #expect(QueueSlots.active(candidates, maxDownloads: 2, maxSeeds: 0) == ["a", "b"])
    }

    @Test func downloadAndSeedLimitsAreSeparate() {
        let candidates = [
            Candidate(id: "seed1", position: 0, kind: .seed),
            Candidate(id: "seed2", position: 1, kind: .seed),
            Candidate(id: "down1", position: 2, kind: .download),
            Candidate(id: "down2", position: 3, kind: .download),
        ]
        #expect(QueueSlots.active(candidates, maxDownloads: 1, maxSeeds: 1) == ["seed1", "down1"])
    }

    @Test func noLimitsLetEveryoneRun() {
        let candidates = (0..<50).map { Candidate(id: "t\($0)", position: $0, kind: $0 % 2 == 0 ? .seed : .download) }
        #expect(QueueSlots.active(candidates, maxDownloads: nil, maxSeeds: nil).count == 50)
    }

    @Test func zeroLimitStopsThatKind() {
        let candidates = [Candidate(id: "a", position: 0, kind: .download), Candidate(id: "b", position: 1, kind: .seed)]
        #expect(QueueSlots.active(candidates, maxDownloads: 0, maxSeeds: nil) == ["b"])
    }
}

@Suite struct QueueOrderTests {
    @Test func movesOneStepAndToTheEnds() {
        var order = QueueOrder(["a", "b", "c", "d"])
        let step1 = order.move("c", .up)
        #expect(step1)
        #expect(order.ids == ["a", "c", "b", "d"])
        let step2 = order.move("a", .down)
        #expect(step2)
        #expect(order.ids == ["c", "a", "b", "d"])
        let step3 = order.move("d", .top)
        #expect(step3)
        #expect(order.ids == ["d", "c", "a", "b"])
        let step4 = order.move("d", .bottom)
        #expect(step4)
        #expect(order.ids == ["c", "a", "b", "d"])
        #expect(order.position(of: "b") == 2)
    }

    @Test func cannotMovePastTheEnds() {
        var order = QueueOrder(["a", "b"])
        let step5 = order.move("a", .up)
        #expect(!step5)
        let step6 = order.move("b", .down)
        #expect(!step6)
        let step7 = order.move("x", .up)
        #expect(!step7)
        #expect(order.ids == ["a", "b"])
    }

    @Test func removingClosesTheGap() {
        var order = QueueOrder(["a", "b", "c"])
        order.remove("b")
        order.append("a")
        #expect(order.ids == ["a", "c"])
        #expect(order.position(of: "c") == 1)
    }
}
