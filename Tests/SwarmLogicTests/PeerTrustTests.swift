import SwarmLogic
import Testing

@Suite struct PeerTrustTests {
    private let blockSize = 4
    /// A good piece of two 4-byte blocks.
    private let good: [UInt8] = [1, 2, 3, 4, 5, 6, 7, 8]

    /// `good` with the bytes of `block` flipped.
    private func corrupt(block: Int) -> [UInt8] {
        var data = good
        for index in block * blockSize..<(block + 1) * blockSize { data[index] ^= 0xFF }
        return data
    }

    // MARK: - One sender

    @Test func aLoneSenderOfBadPiecesIsBannedAfterThree() {
        var trust = PeerTrust()
        let first = trust.pieceFailed(0, data: corrupt(block: 0), senders: ["liar", "liar"])
        #expect(first.isEmpty)
        #expect(trust.score(of: "liar") == -2)
        #expect(!trust.isBanned("liar"))
        _ = trust.pieceFailed(1, data: corrupt(block: 0), senders: ["liar", nil])
        #expect(trust.score(of: "liar") == -4)
        let third = trust.pieceFailed(2, data: corrupt(block: 1), senders: ["liar", "liar"])
        #expect(third == ["liar"])
        #expect(trust.isBanned("liar"))
        #expect(trust.banned == ["liar"])
        #expect(trust.score(of: "liar") == -6)
        #expect(trust.failedCopyCount == 0, "a lone sender's copy proves nothing more")
        // A fourth bad piece bans nobody new.
        let banned = trust.pieceFailed(3, data: corrupt(block: 1), senders: ["liar", "liar"])
        #expect(banned.isEmpty)
    }

    @Test func goodPiecesEarnSlackBeforeABan() {
        var trust = PeerTrust()
        for piece in 0..<3 {
            _ = trust.pieceVerified(piece, data: good, contributors: ["peer"], blockSize: blockSize)
        }
        for piece in 3..<7 { _ = trust.pieceFailed(piece, data: corrupt(block: 0), senders: ["peer", "peer"]) }
        #expect(trust.score(of: "peer") == -5)
        #expect(!trust.isBanned("peer"))
    }

    @Test func aFailureWithNoKnownSenderBlamesNobody() {
        var trust = PeerTrust()
        let banned = trust.pieceFailed(0, data: corrupt(block: 0), senders: [nil, nil])
        #expect(banned.isEmpty)
        #expect(trust.failedCopyCount == 0)
        #expect(trust.banned.isEmpty)
    }

    // MARK: - Several senders

    @Test func aGoodCopyConvictsOnlyTheLiar() {
        var trust = PeerTrust()
        // "honest" sent block 0 (good), "liar" sent block 1 (bad).
        let failed = trust.pieceFailed(7, data: corrupt(block: 1), senders: ["honest", "liar"])
        #expect(failed.isEmpty)
        #expect(trust.failedCopyCount == 1)
        #expect(trust.score(of: "honest") == 0)
        #expect(trust.score(of: "liar") == 0, "nobody is blamed before a good copy shows who lied")

        let verified = trust.pieceVerified(7, data: good, contributors: ["honest", "third"], blockSize: blockSize)
        #expect(verified.isEmpty)
        #expect(trust.score(of: "liar") == -3)
        #expect(trust.score(of: "honest") == 1, "the innocent co-sender is credited, not struck")
        #expect(trust.score(of: "third") == 1)
        #expect(trust.failedCopyCount == 0)
    }

    @Test func aLiarConvictedTwiceIsBanned() {
        var trust = PeerTrust()
        var banned: Set<String> = []
        for piece in 0..<2 {
            _ = trust.pieceFailed(piece, data: corrupt(block: 0), senders: ["liar", "honest"])
            banned.formUnion(trust.pieceVerified(piece, data: good, contributors: ["honest"], blockSize: blockSize))
        }
        #expect(banned == ["liar"])
        #expect(trust.banned == ["liar"])
        #expect(trust.score(of: "honest") == 2)
    }

    @Test func aLiarIsConvictedBeforeItsCreditForTheGoodCopyCounts() {
        var trust = PeerTrust()
        _ = trust.strike("liar", by: 3)
        _ = trust.pieceFailed(0, data: corrupt(block: 1), senders: ["honest", "liar"])
        // The liar also sent part of the good copy; that must not lift it above the threshold.
        let banned = trust.pieceVerified(0, data: good, contributors: ["honest", "liar"], blockSize: blockSize)
        #expect(banned == ["liar"])
        #expect(trust.score(of: "liar") == -6)
    }

    @Test func everyKeptCopyOfThePieceConvicts() {
        var trust = PeerTrust()
        _ = trust.pieceFailed(0, data: corrupt(block: 0), senders: ["a", "b"])
        _ = trust.pieceFailed(0, data: corrupt(block: 1), senders: ["a", "b"])
        #expect(trust.failedCopyCount == 2)
        _ = trust.pieceVerified(0, data: good, contributors: [], blockSize: blockSize)
        #expect(trust.score(of: "a") == -3)
        #expect(trust.score(of: "b") == -3)
        #expect(trust.failedCopyCount == 0)
    }

    // MARK: - Bounds

    @Test func creditStopsAtMaxTrust() {
        var trust = PeerTrust(maxTrust: 8)
        for piece in 0..<20 {
            _ = trust.pieceVerified(piece, data: good, contributors: ["steady"], blockSize: blockSize)
        }
        #expect(trust.score(of: "steady") == 8)
    }

    @Test func keepsAtMostMaxFailedCopiesDroppingTheOldest() {
        var trust = PeerTrust(maxFailedCopies: 3)
        for piece in 0..<5 {
            _ = trust.pieceFailed(piece, data: corrupt(block: 1), senders: ["honest", "liar\(piece)"])
        }
        #expect(trust.failedCopyCount == 3)
        _ = trust.pieceVerified(0, data: good, contributors: [], blockSize: blockSize)
        #expect(trust.score(of: "liar0") == 0, "the oldest copy was dropped")
        _ = trust.pieceVerified(4, data: good, contributors: [], blockSize: blockSize)
        #expect(trust.score(of: "liar4") == -3)
        #expect(trust.failedCopyCount == 2)
    }

    @Test func tracksAtMostMaxTrackedHosts() {
        var trust = PeerTrust(maxTrackedHosts: 10)
        let hosts = (0..<100).map { "10.0.0.\($0)" }
        for (piece, host) in hosts.enumerated() {
            _ = trust.pieceVerified(piece, data: good, contributors: [host], blockSize: blockSize)
        }
        #expect(hosts.count { trust.score(of: $0) == 1 } == 10)
        #expect(trust.score(of: hosts[99]) == 1, "the newest is tracked")
    }

    @Test func aFullTableForgetsTrustedHostsBeforeSuspects() {
        var trust = PeerTrust(maxTrackedHosts: 3)
        _ = trust.strike("suspect", by: 2)
        for (piece, host) in ["a", "b", "c", "d"].enumerated() {
            _ = trust.pieceVerified(piece, data: good, contributors: [host], blockSize: blockSize)
        }
        #expect(trust.score(of: "suspect") == -2)
        #expect(trust.score(of: "d") == 1)
    }

    @Test func bansOutliveAFullTable() {
        var trust = PeerTrust(maxTrackedHosts: 2)
        let bannedNow = trust.strike("x", by: 6)
        #expect(bannedNow)
        let bannedNow2 = trust.strike("y", by: 7)
        #expect(bannedNow2)
        for (piece, host) in (0..<50).map({ "h\($0)" }).enumerated() {
            _ = trust.pieceVerified(piece, data: good, contributors: [host], blockSize: blockSize)
        }
        #expect(trust.isBanned("x"))
        #expect(trust.isBanned("y"))
        #expect(trust.score(of: "x") <= -6)
        #expect(trust.score(of: "y") <= -6)
    }

    // MARK: - Strikes and rechecks

    @Test func aStrikeBansOnlyOnce() {
        var trust = PeerTrust()
        let bannedNow = trust.strike("rude", by: 4)
        #expect(!bannedNow)
        let bannedNow2 = trust.strike("rude", by: 2)
        #expect(bannedNow2)
        let bannedNow3 = trust.strike("rude", by: 2)
        #expect(!bannedNow3, "already banned")
        #expect(trust.score(of: "rude") == -8)
        let bannedNow4 = trust.strike("calm", by: 0)
        #expect(!bannedNow4)
        #expect(trust.score(of: "calm") == 0)
    }

    @Test func forgettingCopiesKeepsBansAndScores() {
        var trust = PeerTrust()
        _ = trust.strike("banned", by: 6)
        _ = trust.pieceVerified(0, data: good, contributors: ["trusted"], blockSize: blockSize)
        _ = trust.pieceFailed(1, data: corrupt(block: 1), senders: ["trusted", "liar"])
        trust.forgetFailedCopies()
        #expect(trust.failedCopyCount == 0)
        _ = trust.pieceVerified(1, data: good, contributors: [], blockSize: blockSize)
        #expect(trust.score(of: "liar") == 0, "no copy is left to convict with")
        #expect(trust.isBanned("banned"))
        #expect(trust.score(of: "trusted") == 1)
    }
}
