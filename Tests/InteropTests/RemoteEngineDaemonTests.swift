import EngineAPI
import Foundation
import RemoteEngine
import Testing
import TestSupport

extension Interop {
    /// RemoteEngine against `rill daemon`: the same facade on both ends of the RPC, with rill's
    /// own extra fields (piece states, availability, request counts) filling what Transmission lacks.
    @Suite struct RemoteEngineDaemonTests {
        static let haveTools = ExternalTool.toolsRequired || ExternalTool.find("transmission-create") != nil

        @Test(.enabled(if: haveTools, "transmission-create is not installed"), .timeLimit(.minutes(2)))
        func remoteEngineDrivesRillDaemonWithRillExtras() async throws {
            let dir = try TemporaryDirectory()
            defer { dir.remove() }
            let downloads = dir.file("downloads")
            let torrent = try SeedableTorrent.make("remote-sample.bin", size: 1_200_000, seed: 5, in: downloads,
                                                   torrentFolder: dir.path)

            let daemon = try BackgroundProcess(RillBinary.path, [
                "daemon", "--dir", downloads, "--port", "0", "--listen", "127.0.0.1", "--rpc-port", "0",
                "--no-dht", "--no-lsd", "--rpc-username", "u", "--rpc-password", "p",
            ], environment: ["RILL_HOME": dir.file("home")])
            defer { daemon.stop() }
            let url = try #require(daemon.waitForLine(matching: "RPC at http://(127\\.0\\.0\\.1:[0-9]+)", timeout: 30),
                                   "the daemon never said it was ready: \(daemon.printed)")

            let engine = try await RemoteEngine.connect(to: "http://u:p@\(url)", pollInterval: .milliseconds(200))
            #expect(engine.snapshot(detail: nil).engineDescription == "daemon \(url)")
            let outcome = await engine.submit(.add(.torrentFile(path: torrent), directory: downloads))
            guard case .added(let id, _) = outcome else {
                Issue.record("add gave \(outcome)")
                await engine.close()
                return
            }
            let seeding = await engine.wait(for: id, timeout: .seconds(30)) { $0?.phase == .seeding }
            #expect(seeding?.phase == .seeding, "the data is present: it verifies and seeds")
            #expect(seeding?.fileCount == 1, "rill speaks file-count")

            let detailed = await engine.waitForSnapshot(detail: id, timeout: .seconds(10)) { $0.detail?.id == id }
            let pieces = try #require(detailed?.detail?.pieces)
            #expect(pieces.count == seeding?.pieceCount)
            #expect((0..<pieces.count).allSatisfy { pieces.state(of: $0) == .have })
            #expect(pieces.isAvailabilityKnown, "rill-availability comes through")

            engine.perform(.setSequential(id, true))
            engine.perform(.setLabels(id, ["tv"]))
            let changed = await engine.wait(for: id, timeout: .seconds(10)) { $0?.sequential == true && $0?.labels == ["tv"] }
            #expect(changed?.sequential == true && changed?.labels == ["tv"])
            engine.perform(.pause(id))
            let paused = await engine.wait(for: id, timeout: .seconds(10)) { $0?.phase == .paused }
            #expect(paused?.phase == .paused)
            await engine.close()
            #expect(daemon.isRunning, "closing the remote engine only detaches")
        }
    }
}
