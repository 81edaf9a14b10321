import Engine
import Foundation
import Storage
import TestSupport
import TorrentCore

/// Builds payloads and sessions for in-process swarms on 127.0.0.1.
enum SwarmFixture {
    /// Writes `files` (relative path → size) under `dir/name` and returns the parsed torrent.
    static func makeTorrent(in dir: TemporaryDirectory, name: String, files: [(String, Int)],
                            pieceLength: Int = 32 * 1024, trackers: [[String]] = [],
                            isPrivate: Bool = false) throws -> Metainfo {
        for (index, (path, size)) in files.enumerated() {
            try dir.write("seed/\(name)/\(path)", pseudoRandomBytes(count: size, seed: UInt64(index + 1)))
        }
        var options = TorrentCreator.Options()
        options.pieceLength = pieceLength
        options.trackerTiers = trackers
        options.isPrivate = isPrivate
        let bytes = try TorrentCreator.create(from: dir.file("seed/\(name)"), options: options)
        return try Metainfo(bytes: bytes)
    }

    /// A session on `host` with a free port and no trackers; `adjust` changes anything else.
    static func session(host: String = "127.0.0.1", resumeFolder: String? = nil,
                        adjust: (inout SessionConfiguration) -> Void = { _ in }) async throws -> Session {
        var configuration = SessionConfiguration()
        configuration.listenHost = host
        configuration.listenPort = 0
        configuration.useTrackers = false
        configuration.resumeFolder = resumeFolder
        adjust(&configuration)
        return try await Session(configuration: configuration)
    }

    static func endpoint(of session: Session, host: String = "127.0.0.1") async -> PeerEndpoint {
        PeerEndpoint(host: host, port: UInt16(await session.listeningPort))
    }
}

struct TimedOut: Error, CustomStringConvertible {
    let description: String
}

/// Runs `body`, failing with `TimedOut` after `seconds`.
func withTimeout<T: Sendable>(_ seconds: Double, _ what: String,
                              _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: .seconds(seconds))
            throw TimedOut(description: "\(what) did not finish within \(seconds) s")
        }
        let result = try await group.next()!
        group.cancelAll()
        return result
    }
}

/// True when the files of `meta` below `a` and `b` have the same bytes (skipping `except`).
func sameFiles(_ meta: Metainfo, _ a: String, _ b: String, except skipped: Set<Int> = []) -> Bool {
    for (index, file) in meta.info.files.enumerated() where !file.isPadding && !skipped.contains(index) {
        let path = file.path.joined(separator: "/")
        guard let left = FileManager.default.contents(atPath: a + "/" + path),
              let right = FileManager.default.contents(atPath: b + "/" + path), left == right else { return false }
    }
    return true
}
