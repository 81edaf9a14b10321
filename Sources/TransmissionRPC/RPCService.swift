import EngineAPI
import Foundation
import NIOConcurrencyHelpers

/// The Transmission RPC's methods over any `TorrentEngine`: one JSON request in, one JSON answer
/// out. It knows nothing of HTTP (`RPCHTTPHandler` does that), so tests and other transports can
/// call it directly. Every failure becomes a `result` string (or a JSON-RPC `error`), never a throw.
public final class RPCService: Sendable {
    /// What the service needs from the process around it.
    public struct Hooks: Sendable {
        /// Fetches a `.torrent` named by URL in `torrent-add` (nil: URLs are refused).
        public var fetchTorrent: (@Sendable (String) async throws -> [UInt8])?
        /// Asked to stop the daemon (`session-close`).
        public var closeSession: @Sendable () -> Void
        /// The folder shown as `config-dir`.
        public var configDirectory: String

        public init(fetchTorrent: (@Sendable (String) async throws -> [UInt8])? = nil,
                    closeSession: @escaping @Sendable () -> Void = {}, configDirectory: String = "") {
            self.fetchTorrent = fetchTorrent
            self.closeSession = closeSession
            self.configDirectory = configDirectory
        }
    }

    let engine: any TorrentEngine
    let hooks: Hooks
    let numbers = TorrentNumbers()
    let state = NIOLockedValueBox(RPCSessionState())
    /// The CSRF token clients echo in `X-Transmission-Session-Id`.
    public let sessionID: String

    public init(engine: any TorrentEngine, hooks: Hooks = Hooks()) {
        self.engine = engine
        self.hooks = hooks
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
        var generator = SystemRandomNumberGenerator()
        sessionID = String((0..<48).map { _ in alphabet.randomElement(using: &generator)! })
    }

    /// Answers one request body (UTF-8 JSON). A body that is not a JSON object gets an error answer.
    public func handle(_ body: [UInt8]) async -> [UInt8] {
        guard let request = (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] else {
            return Self.encode(["result": "the request is not a JSON object"])
        }
        let dialect: RPCDialect = request["jsonrpc"] != nil ? .jsonRPC : .legacy
        let tag = request[dialect == .jsonRPC ? "id" : "tag"]
        let arguments = (request[dialect == .jsonRPC ? "params" : "arguments"] as? [String: Any]) ?? [:]
        var answer: [String: Any] = [:]
        do {
            guard let method = request["method"] as? String else { throw RPCError(.invalidRequest, "no method named") }
            let result = try await call(RPCDialect.legacyMethod(method), RPCArguments(arguments))
            switch dialect {
            case .legacy:
                answer = ["result": "success", "arguments": result]
            case .jsonRPC:
                answer = ["jsonrpc": "2.0", "result": dialect.respell(result)]
            }
        } catch let error as RPCError {
            switch dialect {
            case .legacy: answer = ["result": error.description, "arguments": [String: Any]()]
            case .jsonRPC: answer = ["jsonrpc": "2.0", "error": ["code": error.code, "message": error.description]]
            }
        } catch {
            answer = ["result": "\(error)"]
        }
        if let tag { answer[dialect == .jsonRPC ? "id" : "tag"] = tag }
        return Self.encode(answer)
    }

    static func encode(_ object: [String: Any]) -> [UInt8] {
        JSONWriter.write(object)
    }

    private func call(_ method: String, _ arguments: RPCArguments) async throws -> [String: Any] {
        switch method {
        case "session-get": return sessionGet(arguments)
        case "session-set": return try await sessionSet(arguments)
        case "session-stats": return sessionStats()
        case "torrent-get": return try await torrentGet(arguments)
        case "torrent-add": return try await torrentAdd(arguments)
        case "torrent-start", "torrent-start-now", "torrent-stop", "torrent-verify", "torrent-reannounce":
            return try await torrentAction(method, arguments)
        case "torrent-set": return try await torrentSet(arguments)
        case "torrent-remove": return try await torrentRemove(arguments)
        case "torrent-set-location": return try await torrentSetLocation(arguments)
        case "queue-move-top", "queue-move-up", "queue-move-down", "queue-move-bottom":
            return try await queueMove(method, arguments)
        case "free-space": return try freeSpace(arguments)
        case "port-test":
            throw RPCError(.failed, "rill does not test the port: that needs a server outside this network, "
                + "and rill contacts none on its own; see whether incoming peers appear in the peers list")
        case "session-close":
            hooks.closeSession()
            return [:]
        case "torrent-rename-path", "blocklist-update", "group-set", "group-get":
            throw RPCError(.failed, "'\(method)' is not supported by rill")
        default:
            throw RPCError(.unknownMethod, "unknown method '\(method)'")
        }
    }

    // MARK: - Helpers shared by the methods

    /// The latest rows with their numbers (torrents seen for the first time get one now).
    func numberedRows() -> (SessionSnapshot, [(TorrentSnapshot, Int)]) {
        let snapshot = engine.snapshot(detail: nil)
        let assigned = numbers.sync(snapshot.torrents)
        return (snapshot, Array(zip(snapshot.torrents, assigned)))
    }

    func selected(_ arguments: RPCArguments) throws(RPCError) -> [TorrentSnapshot] {
        let (snapshot, _) = numberedRows()
        return try TorrentSelection(arguments["ids"], numbers: numbers).pick(from: snapshot.torrents)
    }

    /// Sends commands in order; the first refusal becomes the answer's error.
    func run(_ commands: [EngineCommand]) async throws(RPCError) {
        var failures: [String] = []
        for command in commands {
            if case .failed(let message) = await engine.submit(command) { failures.append(message) }
        }
        if let first = failures.first {
            throw RPCError(.failed, failures.count == 1 ? first : "\(first) (and \(failures.count - 1) more)")
        }
    }
}
