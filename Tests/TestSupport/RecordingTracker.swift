import Foundation

/// `Scripts/recording_tracker.py`: an HTTP and UDP tracker on one port number that lists fixed
/// peers and records the source address of every request (and of any other datagram, such as a
/// DHT query sent to its UDP port as a bootstrap node).
public final class RecordingTracker: Sendable {
    public let server: ScriptServer

    private init(server: ScriptServer) { self.server = server }

    /// Lists `peers` (`HOST:PORT`, IPv4) in every announce reply; with `tls`, HTTPS with a
    /// self-signed certificate instead of HTTP (openssl makes it).
    public static func start(peers: [String], tls: Bool = false) async throws -> RecordingTracker {
        if tls, ExternalTool.find("openssl") == nil { throw ToolMissing("openssl") }
        let arguments = peers.flatMap { ["--peer", $0] } + (tls ? ["--tls"] : [])
        return RecordingTracker(server: try await ScriptServer.start("recording_tracker.py", arguments))
    }

    public var port: Int { server.port }
    public var httpAnnounceURL: String { "http://127.0.0.1:\(port)/announce" }
    public var httpsAnnounceURL: String { "https://localhost:\(port)/announce" }
    public var udpAnnounceURL: String { "udp://127.0.0.1:\(port)/announce" }
    /// `127.0.0.1:port`, for a DHT bootstrap node that only records.
    public var udpEndpoint: String { "127.0.0.1:\(port)" }

    /// Each request as (what, source IP): what is "http announce", "udp connect", "udp announce",
    /// "udp scrape" or "udp other".
    public var requests: [(what: String, source: String)] {
        server.lines.compactMap { line in
            guard let range = line.range(of: " from ") else { return nil }
            return (String(line[..<range.lowerBound]), String(line[range.upperBound...]))
        }
    }

    public func stop() { server.stop() }
}
