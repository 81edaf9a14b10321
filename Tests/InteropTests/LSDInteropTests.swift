import Foundation
import Testing
import TestSupport

extension Interop {
    /// Two rill processes find each other by Local Service Discovery (BEP 14) inside a private
    /// network namespace the test creates, so no multicast ever leaves this test.
    @Suite(.serialized) struct LSDInteropTests {
        /// True when this user may create a network namespace (`unshare -n`, usually root).
        static let canUnshare: Bool = {
            guard let unshare = ExternalTool.find("unshare"), ExternalTool.find("ip") != nil else { return false }
            return (try? ExternalTool.run(unshare, ["-n", "true"], timeout: 10).status) == 0
        }()

        @Test func twoRillSessionsFindEachOtherByLSDInAPrivateNetwork() throws {
            guard Self.canUnshare else {
                print("skipping the LSD test: cannot create a network namespace with 'unshare -n' here")
                #expect(!ExternalTool.toolsRequired, "CI must be able to run 'unshare -n' for the LSD test")
                return
            }
            let dir = try TemporaryDirectory()
            defer { dir.remove() }
            try dir.write("seed/lsd/payload.bin", pseudoRandomBytes(count: 1_500_001, seed: 41))
            let torrent = dir.file("lsd.torrent")
            let created = try RillBinary.run(["create", dir.file("seed/lsd"), "--output", torrent])
            try #require(created.status == 0, "rill create failed: \(created.stderr)")
            let rill = RillBinary.path
            // Inside the namespace only `lo` exists; multicast is routed to it, from 127.0.0.1.
            let script = """
                set -u
                ip link set lo up && ip route add 224.0.0.0/4 dev lo src 127.0.0.1 || exit 90
                RILL_HOME='\(dir.file("home-seed"))' '\(rill)' seed '\(torrent)' --dir '\(dir.file("seed"))' \
                    --port 0 --listen 127.0.0.1 --no-trackers --no-dht --verbose 2> '\(dir.file("seed.log"))' &
                seeder=$!
                tries=0
                until grep -q 'listening on port' '\(dir.file("seed.log"))' 2>/dev/null; do
                    tries=$((tries + 1)); [ $tries -gt 200 ] && { kill $seeder; exit 91; }; sleep 0.1
                done
                RILL_HOME='\(dir.file("home-leech"))' timeout 60 '\(rill)' download '\(torrent)' \
                    --dir '\(dir.file("leech"))' --port 0 --listen 127.0.0.1 --no-trackers --no-dht --verbose \
                    2> '\(dir.file("leech.log"))'
                status=$?
                kill $seeder; wait $seeder
                exit $status
                """
            let run = try ExternalTool.run("/usr/bin/unshare", ["-n", "sh", "-c", script], timeout: 120)
            let seedLog = (try? String(contentsOfFile: dir.file("seed.log"), encoding: .utf8)) ?? ""
            let leechLog = (try? String(contentsOfFile: dir.file("leech.log"), encoding: .utf8)) ?? ""
            #expect(run.status == 0, "download in the namespace failed (\(run.status)):\n\(leechLog.suffix(2000))\n\(seedLog.suffix(2000))")
            // One of the two heard the other's announce (the seeder hears the leecher's at once).
            #expect(seedLog.contains("LSD: 127.0.0.1:") || leechLog.contains("LSD: 127.0.0.1:"))
            let original = FileManager.default.contents(atPath: dir.file("seed/lsd/payload.bin"))
            let copy = FileManager.default.contents(atPath: dir.file("leech/lsd/payload.bin"))
            #expect(copy != nil && copy == original)
            print("LSD: \(leechLog.split(separator: "\n").first { $0.contains("first payload byte") } ?? "no first byte line")")
        }
    }
}
