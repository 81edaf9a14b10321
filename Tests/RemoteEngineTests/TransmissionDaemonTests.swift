import EngineAPI
import Foundation
import RemoteEngine
import Testing
import TestSupport

/// RemoteEngine against a real transmission-daemon on 127.0.0.1: every row and command goes
/// through the actual RPC.
@Suite(.serialized, .blockingAllowed) struct TransmissionDaemonTests {
    static let haveDaemon = ExternalTool.toolsRequired
        || (TransmissionDaemonProcess.binary != nil && ExternalTool.find("transmission-create") != nil)

    /// A file of `size` bytes in the daemon's download folder and its .torrent bytes, made by
    /// transmission-create (so the data is present and the torrent only needs a check).
    static func seedableTorrent(in daemon: TransmissionDaemonProcess, name: String, size: Int) throws -> [UInt8] {
        let create = try #require(ExternalTool.find("transmission-create"), "transmission-create is required")
        let data = daemon.downloadFolder + "/" + name
        _ = FileManager.default.createFile(atPath: data, contents: Data(pseudoRandomBytes(count: size, seed: 7)))
        let output = daemon.directory.file(name + ".torrent")
        let made = try ExternalTool.run(create, ["-o", output, data], timeout: 60)
        #expect(made.status == 0, "transmission-create: \(made.stderr)")
        return Array(try Data(contentsOf: URL(fileURLWithPath: output)))
    }

    @Test(.enabled(if: haveDaemon, "transmission-daemon is not installed"), .timeLimit(.minutes(2)))
    func addsChecksSeedsPausesLabelsAndRemoves() async throws {
        let binary = try #require(TransmissionDaemonProcess.binary, "transmission-daemon is required")
        let daemon = try TransmissionDaemonProcess(binary: binary, username: "rill", password: "s3cret")
        defer { daemon.stop() }
        let metainfo = try Self.seedableTorrent(in: daemon, name: "present.bin", size: 1_500_000)

        let engine = try await RemoteEngine.connect(to: daemon.url, pollInterval: .milliseconds(200))
        let first = engine.snapshot(detail: nil)
        #expect(first.isAttached)
        #expect(first.engineDescription == "transmission 3.00 @ 127.0.0.1:\(daemon.rpcPort)")
        #expect(first.torrents.isEmpty)

        let outcome = await engine.submit(.add(.torrentData(metainfo), directory: daemon.downloadFolder,
                                               options: AddOptions(labels: ["tv"])))
        guard case .added(let id, let name) = outcome else {
            Issue.record("add gave \(outcome)")
            return
        }
        #expect(name == "present.bin")
        let seeding = await engine.wait(for: id, timeout: .seconds(30)) { $0?.phase == .seeding }
        #expect(seeding?.phase == .seeding, "the data is present: it verifies and seeds")
        #expect(seeding?.progress == 1)
        #expect(seeding?.labels == ["tv"])
        #expect(engine.drainEvents().contains(.added(id, name: "present.bin")))

        // The same torrent again is a duplicate, as transmission-remote would see.
        let again = await engine.submit(.add(.torrentData(metainfo)))
        #expect(again == .duplicate(id, name: "present.bin"))

        // transmission-remote, another client, sees what RemoteEngine did.
        let listed = try daemon.remote(["-l"], credentials: "rill:s3cret")
        #expect(listed.stdout.contains("present.bin") && listed.stdout.contains("100%"), "\(listed.stdout)")

        engine.perform(.pause(id))
        let paused = await engine.wait(for: id, timeout: .seconds(10)) { $0?.phase == .paused }
        #expect(paused?.phase == .paused)
        engine.perform(.resume(id))
        let resumed = await engine.wait(for: id, timeout: .seconds(10)) { $0?.phase == .seeding }
        #expect(resumed?.phase == .seeding)

        engine.perform(.setLabels(id, ["movies", "hd"]))
        let labelled = await engine.wait(for: id, timeout: .seconds(10)) { $0?.labels == ["movies", "hd"] }
        #expect(labelled?.labels == ["movies", "hd"])

        // The detail torrent's files and pieces come with the next poll.
        let detailed = await engine.waitForSnapshot(detail: id, timeout: .seconds(10)) { $0.detail?.id == id }
        let detail = try #require(detailed?.detail)
        #expect(detail.files.map(\.path) == ["present.bin"])
        #expect(detail.pieces.count == seeding?.pieceCount && (0..<detail.pieces.count).allSatisfy {
            detail.pieces.state(of: $0) == .have
        })

        // A refusal by the server comes back as a failed outcome and an event, not silence.
        let bogus = await engine.submit(.add(.torrentData(Array("not a torrent".utf8))))
        if case .failed(let reason) = bogus {
            #expect(reason.contains("torrent-add"), "\(reason)")
        } else {
            Issue.record("a corrupt torrent should be refused, got \(bogus)")
        }
        #expect(engine.drainEvents().contains { if case .commandFailed = $0 { true } else { false } })

        let removed = await engine.submit(.remove(id, deleteData: false))
        #expect(removed == .done)
        let gone = await engine.waitForSnapshot(timeout: .seconds(10)) { $0.torrents.isEmpty }
        #expect(gone != nil, "the torrent is gone from the list")
        #expect(FileManager.default.fileExists(atPath: daemon.downloadFolder + "/present.bin"), "data kept")
        #expect(engine.drainEvents().contains(.removed(id)))
        await engine.close()

        // Closing only detached: the daemon still answers.
        #expect(try daemon.remote(["-l"], credentials: "rill:s3cret").status == 0)
    }

    @Test(.enabled(if: haveDaemon, "transmission-daemon is not installed"), .timeLimit(.minutes(1)))
    func wrongCredentialsAndNoServerAreOneSentence() async throws {
        let binary = try #require(TransmissionDaemonProcess.binary, "transmission-daemon is required")
        let daemon = try TransmissionDaemonProcess(binary: binary, username: "rill", password: "right")
        defer { daemon.stop() }
        await #expect(throws: RPCError.http(status: 401, "http://127.0.0.1:\(daemon.rpcPort)/transmission/rpc")) {
            _ = try await RemoteEngine.connect(to: "http://rill:wrong@127.0.0.1:\(daemon.rpcPort)")
        }
        let port = try OpenTrackerProcess.freeLoopbackPort()
        do {
            _ = try await RemoteEngine.connect(to: "127.0.0.1:\(port)")
            Issue.record("nothing listens there")
        } catch {
            #expect("\(error)".hasPrefix("cannot reach http://127.0.0.1:\(port)/transmission/rpc"), "\(error)")
        }
    }
}
