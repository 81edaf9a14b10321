import Engine
import EngineAPI
import Foundation
import Testing
import TestSupport
import TorrentCore
import WireProtocol

/// Debian's microsocks on loopback, logging every connection it makes and binding its outgoing
/// side to 127.0.0.9, so a peer can tell a proxied connection from one that went around it.
final class MicrosocksProcess {
    static let binary = ExternalTool.find("microsocks")
    static let outgoingAddress = "127.0.0.9"
    let port: Int
    private let process: BackgroundProcess

    init(binary: String, username: String? = nil, password: String? = nil) throws {
        let port = try OpenTrackerProcess.freeLoopbackPort()
        var arguments = ["-i", "127.0.0.1", "-p", "\(port)", "-b", Self.outgoingAddress]
        if let username, let password { arguments += ["-u", username, "-P", password] }
        process = try BackgroundProcess(binary, arguments)
        self.port = port
        // Ready once it accepts a TCP connection (bounded).
        for _ in 0..<100 where !Self.accepts(port: port) { usleep(20_000) }
    }

    /// "client[N] 127.0.0.1: connected to HOST:PORT" lines: the connections it made for clients.
    var connectionsMade: [String] {
        process.printed.split(separator: "\n").compactMap { line in
            line.range(of: "connected to ").map { String(line[$0.upperBound...]) }
        }
    }

    /// microsocks ignores SIGTERM while clients are connected: end it at once.
    func stop() { process.stop(signal: SIGKILL) }

    private static func accepts(port: Int) -> Bool {
        let socket = Foundation.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
    }
}

@Suite(.serialized, .timeLimit(.minutes(2)), .blockingAllowed,
       .enabled(if: MicrosocksProcess.binary != nil || ExternalTool.toolsRequired, "microsocks is not installed"))
struct SOCKS5ProxyTests {
    @Test func proxyURLsAreParsedAndBadOnesExplained() throws {
        let proxy = try SOCKS5Proxy(url: "socks5://bob:s%40cret@127.0.0.1:1080")
        #expect(proxy.host == "127.0.0.1" && proxy.port == 1080)
        #expect(proxy.credentials?.username == "bob" && proxy.credentials?.password == "s@cret")
        #expect(proxy.description == "socks5://bob:***@127.0.0.1:1080", "the password is never shown")
        #expect(try SOCKS5Proxy(url: "socks5://[::1]:9050").host == "::1")
        #expect(throws: SOCKS5Proxy.ParseError.self) { try SOCKS5Proxy(url: "http://127.0.0.1:8080") }
        #expect(throws: SOCKS5Proxy.ParseError.self) { try SOCKS5Proxy(url: "socks5://127.0.0.1") }
        #expect(throws: SOCKS5Proxy.ParseError.self) { try SOCKS5Proxy(url: "socks5://bob@127.0.0.1:1080") }
    }

    /// The leecher reaches its seeder only through the proxy: the seeder sees every connection
    /// come from the proxy's outgoing address, the proxy logged each one, and none went around.
    @Test func everyPeerConnectionGoesThroughTheProxyWithAPassword() async throws {
        let binary = try #require(MicrosocksProcess.binary, "microsocks is not installed")
        let proxy = try MicrosocksProcess(binary: binary, username: "bob", password: "secret")
        defer { proxy.stop() }
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let meta = try SwarmFixture.makeTorrent(in: dir, name: "tunnelled", files: [("a.bin", 1_500_000)])
        let seeder = try await SwarmFixture.session(host: "127.0.0.2")
        let leecher = try await SwarmFixture.session(host: "127.0.0.5") {
            $0.proxy = try? SOCKS5Proxy(url: "socks5://bob:secret@127.0.0.1:\(proxy.port)")
            // Asked for, but UDP cannot go through this proxy: it must stay off rather than leak.
            $0.dht.enabled = true
            $0.dht.bootstrapNodes = []
            // Slow enough (about 4 s) for the seeder's peer list to show the connection.
            $0.downloadRateLimit = 400 * 1024
        }
        _ = try await seeder.add(meta, downloadDirectory: dir.file("seed"))
        let hash = try await leecher.add(meta, downloadDirectory: dir.file("leech"))
        let seedEndpoint = await SwarmFixture.endpoint(of: seeder, host: "127.0.0.2")
        leecher.addPeers([seedEndpoint], to: hash)

        // Watch the seeder's peers while the download runs.
        var seenAtSeeder: Set<String> = []
        let id = TorrentID(hex: hash.hex)
        _ = seeder.snapshot(detail: id)
        let done = await leecher.wait(for: id, timeout: .seconds(60)) { row in
            for peer in seeder.snapshot(detail: id).detail?.peers ?? [] { seenAtSeeder.insert(peer.address) }
            return row?.isComplete == true
        }
        #expect(done?.isComplete == true)
        #expect(sameFiles(meta, dir.file("seed"), dir.file("leech")))

        let hosts = Set(seenAtSeeder.map { String($0.split(separator: ":").first ?? "") })
        #expect(hosts == [MicrosocksProcess.outgoingAddress], "connections at the seeder came from \(hosts)")
        let made = proxy.connectionsMade
        #expect(made.contains("\(seedEndpoint.host):\(seedEndpoint.port)"), "proxy log: \(made)")
        let bypassed = hosts.subtracting([MicrosocksProcess.outgoingAddress]).count
        #expect(bypassed == 0)
        let snapshot = leecher.snapshot(detail: nil)
        #expect(snapshot.dht == nil, "the DHT stays off behind the proxy")
        #expect(snapshot.listenPort == 0, "nothing listens for peers behind the proxy")
        await leecher.shutdown()
        await seeder.shutdown()
    }

    /// An HTTP tracker is asked through the proxy too (AsyncHTTPClient's SOCKS client, no
    /// password), and the peer it lists is dialled through it.
    @Test func httpTrackerAnnouncesGoThroughTheProxy() async throws {
        let binary = try #require(MicrosocksProcess.binary, "microsocks is not installed")
        let trackerBinary = try #require(OpenTrackerProcess.binary, "opentracker is not installed")
        let proxy = try MicrosocksProcess(binary: binary)
        defer { proxy.stop() }
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        var meta = try SwarmFixture.makeTorrent(in: dir, name: "announced", files: [("a.bin", 600_000)])
        let tracker = try OpenTrackerProcess(binary: trackerBinary, whitelist: [meta.infoHash])
        defer { tracker.stop() }
        meta = try SwarmFixture.makeTorrent(in: dir, name: "announced", files: [("a.bin", 600_000)],
                                            trackers: [[tracker.httpAnnounceURL]])
        let seeder = try await SwarmFixture.session { $0.useTrackers = true }
        let leecher = try await SwarmFixture.session(host: "127.0.0.5") {
            $0.useTrackers = true
            $0.proxy = try? SOCKS5Proxy(url: "socks5://127.0.0.1:\(proxy.port)")
        }
        _ = try await seeder.add(meta, downloadDirectory: dir.file("seed"))
        _ = await seeder.wait(for: TorrentID(hex: meta.infoHash.hex), timeout: .seconds(10)) { ($0?.swarmSeeds ?? 0) > 0 }
        let hash = try await leecher.add(meta, downloadDirectory: dir.file("leech"))
        try await withTimeout(60, "download of peers from the tracker") { try await leecher.waitUntilComplete(hash) }
        let made = proxy.connectionsMade
        #expect(made.contains("127.0.0.1:\(tracker.port)"), "the announce went through the proxy: \(made)")
        #expect(made.contains("127.0.0.1:\(await seeder.listeningPort)"), "so did the peer connection: \(made)")
        await leecher.shutdown()
        await seeder.shutdown()
    }

    @Test func aWrongPasswordIsAConnectionFailureWithTheProxysReason() async throws {
        let binary = try #require(MicrosocksProcess.binary, "microsocks is not installed")
        let proxy = try MicrosocksProcess(binary: binary, username: "bob", password: "secret")
        defer { proxy.stop() }
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let meta = try SwarmFixture.makeTorrent(in: dir, name: "denied", files: [("a.bin", 100_000)])
        let seeder = try await SwarmFixture.session(host: "127.0.0.2")
        let leecher = try await SwarmFixture.session(host: "127.0.0.5") {
            $0.proxy = try? SOCKS5Proxy(url: "socks5://bob:wrong@127.0.0.1:\(proxy.port)")
        }
        _ = try await seeder.add(meta, downloadDirectory: dir.file("seed"))
        let hash = try await leecher.add(meta, downloadDirectory: dir.file("leech"))
        leecher.addPeers([await SwarmFixture.endpoint(of: seeder, host: "127.0.0.2")], to: hash)
        let id = TorrentID(hex: hash.hex)
        let snapshot = await leecher.waitForSnapshot(detail: id, timeout: .seconds(20)) {
            $0.detail?.diagnosis?.cause == "noneConnected"
        }
        let diagnosis = snapshot?.detail?.diagnosis
        #expect(diagnosis?.evidence.first == "1 × the proxy refused the username or password",
                "\(String(describing: diagnosis))")
        #expect(diagnosis?.evidence.contains("incoming connections are not accepted") == true)
        #expect(proxy.connectionsMade.isEmpty, "nothing was forwarded without the right password")
        await leecher.shutdown()
        await seeder.shutdown()
    }
}
