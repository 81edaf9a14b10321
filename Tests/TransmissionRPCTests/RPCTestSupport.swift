import Engine
import EngineAPI
import Foundation
import Storage
import TestSupport
import TorrentCore
import TransmissionRPC

/// A real session (loopback, no trackers, no DHT) behind an `RPCService`, and the data of a
/// small torrent on disk.
struct RPCFixture {
    let folder: TemporaryDirectory
    let session: Session
    let service: RPCService

    static func make(label: String = "rpc") async throws -> RPCFixture {
        let folder = try TemporaryDirectory(label)
        var configuration = SessionConfiguration()
        configuration.listenHost = "127.0.0.1"
        configuration.listenPort = 0
        configuration.useTrackers = false
        configuration.downloadDirectory = folder.file("downloads")
        let session = try await Session(configuration: configuration)
        return RPCFixture(folder: folder, session: session, service: RPCService(engine: session))
    }

    /// Writes `files` under `data/<name>` and returns the `.torrent` bytes describing them.
    func makeTorrent(name: String, files: [(String, Int)], pieceLength: Int = 16 * 1024) throws -> [UInt8] {
        for (index, (path, size)) in files.enumerated() {
            try folder.write("data/\(name)/\(path)", pseudoRandomBytes(count: size, seed: UInt64(index + 7)))
        }
        var options = TorrentCreator.Options()
        options.pieceLength = pieceLength
        return try TorrentCreator.create(from: folder.file("data/\(name)"), options: options)
    }

    /// One legacy-dialect call; returns the whole answer.
    func call(_ method: String, _ arguments: [String: Any] = [:], tag: Int? = nil) async throws -> [String: Any] {
        var request: [String: Any] = ["method": method, "arguments": arguments]
        if let tag { request["tag"] = tag }
        return try await raw(request)
    }

    func raw(_ request: [String: Any]) async throws -> [String: Any] {
        let body = try JSONSerialization.data(withJSONObject: request)
        let answer = await service.handle(Array(body))
        return try #require(try JSONSerialization.jsonObject(with: Data(answer)) as? [String: Any])
    }

    /// The `arguments` of a call that must succeed.
    func ok(_ method: String, _ arguments: [String: Any] = [:]) async throws -> [String: Any] {
        let answer = try await call(method, arguments)
        guard answer["result"] as? String == "success" else {
            throw RPCTestFailure("\(method) answered \(answer["result"] ?? "nothing")")
        }
        return answer["arguments"] as? [String: Any] ?? [:]
    }

    /// Polls `torrent-get` until `condition` holds for the torrent rows (bounded).
    func waitForTorrents(_ fields: [String], timeout: Double = 20,
                         until condition: ([[String: Any]]) -> Bool) async throws -> [[String: Any]] {
        let deadline = Date().addingTimeInterval(timeout)
        var rows: [[String: Any]] = []
        while Date() < deadline {
            rows = try await ok("torrent-get", ["fields": fields])["torrents"] as? [[String: Any]] ?? []
            if condition(rows) { return rows }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw RPCTestFailure("timed out; last rows: \(rows)")
    }

    func close() async {
        await session.close()
        folder.remove()
    }
}

struct RPCTestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

import Testing
