import Foundation

/// `Scripts/scripted_peer.py`: a plaintext seeding peer with the limits a slow swarm needs — a
/// small `reqq`, a wait before every block, only some of the pieces, or a first connection that
/// hears of only some of them.
public final class ScriptedPeer: Sendable {
    public let server: ScriptServer
    public let host: String

    private init(server: ScriptServer, host: String) {
        self.server = server
        self.host = host
    }

    /// Serves the files `data` (in the torrent's order) for the torrent `infoHashHex` on `host`.
    public static func start(host: String, infoHashHex: String, pieceLength: Int, data: [String], reqq: Int = 250,
                             delay: Duration = .zero, onlyPieces: [Int] = [],
                             firstConnectionOnly: [Int] = []) async throws -> ScriptedPeer {
        let (seconds, attoseconds) = delay.components
        var arguments = ["--host", host, "--info-hash", infoHashHex, "--piece-length", "\(pieceLength)",
                         "--reqq", "\(reqq)", "--delay", "\(Double(seconds) + Double(attoseconds) / 1e18)"]
        arguments += data.flatMap { ["--data", $0] }
        arguments += onlyPieces.flatMap { ["--only", "\($0)"] }
        arguments += firstConnectionOnly.flatMap { ["--first-only", "\($0)"] }
        return ScriptedPeer(server: try await ScriptServer.start("scripted_peer.py", arguments), host: host)
    }

    public var port: Int { server.port }
    /// `HOST:PORT` as rill shows a peer.
    public var address: String { "\(host):\(port)" }
    /// Connections accepted so far.
    public var connections: Int { server.lines.count { $0.hasPrefix("peer ") } }
    /// Whether the peer last said it is not interested.
    public var heardNotInterested: Bool { server.lines.last { $0.hasSuffix("interested") } == "not interested" }
    /// Blocks sent so far.
    public var blocksSent: Int { server.lines.count { $0.hasPrefix("block ") } }

    public func stop() { server.stop() }
}
