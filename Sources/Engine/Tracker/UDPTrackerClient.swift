internal import NIOCore
internal import NIOPosix
import TorrentCore
import WireProtocol

/// Announces and scrapes over UDP (BEP 15): a connect exchange for a connection id (cached for a
/// minute per tracker address), then the request, each retransmitted after `baseTimeout·2ⁿ`.
final class UDPTrackerClient: Sendable {
    /// Timing and limits.
    struct Configuration: Sendable {
        /// The first wait for a reply; BEP 15 says 15 s. Each retransmission doubles it.
        var baseTimeout: Duration = .seconds(15)
        /// Retransmissions after the first try. BEP 15 allows up to 8 (over two hours in all); rill
        /// gives up sooner and lets the announce schedule and the next tracker take over.
        var maxRetransmissions = 2
        /// How long a connection id may be used (BEP 15: one minute).
        var connectionIDLifetime: Duration = .seconds(60)
        /// The most peers kept from one reply.
        var peerLimit = AnnounceResponse.defaultPeerLimit
    }

    let group: any EventLoopGroup
    let configuration: Configuration
    /// Set behind a proxy: each exchange goes through a UDP association with it (the proxy
    /// resolves the tracker's name), never straight to the tracker.
    let proxy: SOCKS5Proxy?
    private let connectionIDs = UDPConnectionIDCache()

    init(group: any EventLoopGroup, configuration: Configuration = Configuration(), proxy: SOCKS5Proxy? = nil) {
        self.group = group
        self.configuration = configuration
        self.proxy = proxy
    }

    /// Announces `request` to the tracker at `url` (`udp://host:port[/path]`).
    func announce(url: String, request: AnnounceRequest) async throws(TrackerError) -> AnnounceResponse {
        let (reply, display) = try await transact(url: url, action: .announce, scrapeCount: 0) { connectionID, transactionID in
            UDPTrackerPacket.announceRequest(connectionID: connectionID, transactionID: transactionID, request: request)
        }
        guard case .announced(let response) = reply else {
            throw .invalidReply(url: display, .unexpectedAction(UDPTrackerPacket.Action.connect.rawValue, expected: "announce"))
        }
        return response
    }

    /// Asks the tracker at `url` for counts of up to 74 `infoHashes` (the rest are left out).
    func scrape(url: String, infoHashes: [InfoHash]) async throws(TrackerError) -> ScrapeResponse {
        let asked = Array(infoHashes.prefix(UDPTrackerPacket.maxScrapeHashes))
        let (reply, display) = try await transact(url: url, action: .scrape, scrapeCount: asked.count) { connectionID, transactionID in
            UDPTrackerPacket.scrapeRequest(connectionID: connectionID, transactionID: transactionID, infoHashes: asked)
        }
        guard case .scraped(let stats) = reply else {
            throw .invalidReply(url: display, .unexpectedAction(UDPTrackerPacket.Action.connect.rawValue, expected: "scrape"))
        }
        var response = ScrapeResponse()
        for (hash, counts) in zip(asked, stats) { response.files[hash] = counts }
        if stats.count < asked.count { response.notes.append("reply covers \(stats.count) of \(asked.count) torrents") }
        if infoHashes.count > asked.count { response.notes.append("asked about the first \(asked.count) torrents only") }
        return response
    }

    // MARK: - Exchange

    /// Connects (if no fresh connection id is cached), sends the request `build` makes, and returns
    /// the tracker's checked reply, retransmitting as BEP 15 describes.
    private func transact(url: String, action: UDPTrackerPacket.Action, scrapeCount: Int,
                          build: @Sendable (UInt64, UInt32) -> [UInt8])
        async throws(TrackerError) -> (UDPTrackerPacket.Reply, String) {
        let tracker = try TrackerURL(url)
        let display = tracker.display
        guard tracker.scheme == .udp else { throw .unsupportedScheme(url: display) }
        guard let port = tracker.port else { throw .invalidURL(display) }
        let exchange: Exchange
        if let proxy {
            exchange = try await openThroughProxy(proxy, host: tracker.host, port: port, display: display)
        } else {
            exchange = try await openDirect(host: tracker.host, port: port, display: display)
        }
        let channel = exchange.channel
        defer { channel.close(promise: nil) }

        let outcome = await withTaskCancellationHandler { () async -> Result<UDPTrackerPacket.Reply, TrackerError> in
            do throws(TrackerError) {
                return .success(try await retransmitting(action: action, scrapeCount: scrapeCount, exchange: exchange,
                                                         display: display, build: build))
            } catch {
                return .failure(error)
            }
        } onCancel: {
            channel.close(promise: nil)
        }
        return (try outcome.get(), display)
    }

    /// The BEP 15 loop: each round waits `baseTimeout·2ⁿ` for the connect reply (when needed) and
    /// for the request's reply.
    private func retransmitting(action: UDPTrackerPacket.Action, scrapeCount: Int, exchange: Exchange,
                                display: String,
                                build: @Sendable (UInt64, UInt32) -> [UInt8]) async throws(TrackerError) -> UDPTrackerPacket.Reply {
        let (channel, family, key, destination) = (exchange.channel, exchange.family, exchange.key, exchange.destination)
        let clock = ContinuousClock()
        let started = clock.now
        for attempt in 0...max(0, configuration.maxRetransmissions) {
            let wait = configuration.baseTimeout * (1 << min(attempt, 16))
            var connectionID = await connectionIDs.validID(for: key, at: clock.now)
            if connectionID == nil {
                let transactionID = UInt32.random(in: .min ... .max)
                let packet = UDPTrackerPacket.connectRequest(transactionID: transactionID)
                guard let bytes = try await Self.sendAndWait(packet, transactionID: transactionID, timeout: wait,
                                                             on: channel, to: destination, display: display)
                else { continue }
                switch try Self.parse(bytes, action: .connect, transactionID: transactionID, family: family,
                                      scrapeCount: 0, peerLimit: configuration.peerLimit, display: display) {
                case .connected(let id):
                    connectionID = id
                    await connectionIDs.store(id, for: key, until: clock.now + configuration.connectionIDLifetime)
                case .error(let message):
                    throw .rejected(url: display, reason: message)
                default:
                    throw .invalidReply(url: display, .unexpectedAction(action.rawValue, expected: "connect"))
                }
            }
            guard let connectionID else { continue }
            let transactionID = UInt32.random(in: .min ... .max)
            guard let bytes = try await Self.sendAndWait(build(connectionID, transactionID), transactionID: transactionID,
                                                         timeout: wait, on: channel, to: destination, display: display)
            else { continue }
            let reply = try Self.parse(bytes, action: action, transactionID: transactionID, family: family,
                                       scrapeCount: scrapeCount, peerLimit: configuration.peerLimit, display: display)
            if case .error(let message) = reply {
                // Often "connection id mismatch" after a tracker restart: start afresh next time.
                await connectionIDs.forget(key)
                throw .rejected(url: display, reason: message)
            }
            return reply
        }
        if Task.isCancelled { throw .cancelled(url: display) }
        let mismatched = (try? await channel.eventLoop.submit {
            try channel.pipeline.syncOperations.handler(type: UDPTransactionHandler.self).mismatched
        }.get()) ?? 0
        if mismatched > 0 { throw .wrongTransactionIDs(url: display, replies: mismatched) }
        throw .timedOut(url: display, after: started.duration(to: clock.now))
    }

    private static func parse(_ bytes: [UInt8], action: UDPTrackerPacket.Action, transactionID: UInt32,
                              family: PeerAddressFamily, scrapeCount: Int, peerLimit: Int,
                              display: String) throws(TrackerError) -> UDPTrackerPacket.Reply {
        do {
            return try UDPTrackerPacket.parseReply(bytes, to: action, transactionID: transactionID, family: family,
                                                   scrapeCount: scrapeCount, peerLimit: peerLimit)
        } catch {
            throw TrackerError(url: display, reply: error)
        }
    }

    /// Sends `packet` (as a datagram to `destination` on an unconnected channel) and waits up to
    /// `timeout` for the reply with `transactionID`; nil on timeout.
    private static func sendAndWait(_ packet: [UInt8], transactionID: UInt32, timeout: Duration, on channel: any Channel,
                                    to destination: SocketAddress?, display: String) async throws(TrackerError) -> [UInt8]? {
        let future = channel.eventLoop.flatSubmit { () -> EventLoopFuture<[UInt8]?> in
            let promise = channel.eventLoop.makePromise(of: [UInt8]?.self)
            do {
                let handler = try channel.pipeline.syncOperations.handler(type: UDPTransactionHandler.self)
                handler.expect(transactionID, promise: promise)
                let timer = channel.eventLoop.assumeIsolated().scheduleTask(in: TimeAmount(timeout)) {
                    handler.timeOut(transactionID)
                }
                promise.futureResult.whenComplete { _ in timer.cancel() }
                let buffer = channel.allocator.buffer(bytes: packet)
                let written = destination.map { channel.writeAndFlush(AddressedEnvelope(remoteAddress: $0, data: buffer)) }
                    ?? channel.writeAndFlush(buffer)
                written.assumeIsolated().whenFailure { error in
                    handler.fail(transactionID, error: error)
                }
            } catch {
                promise.fail(error)
            }
            return promise.futureResult
        }
        do {
            return try await future.get()
        } catch {
            if Task.isCancelled { throw .cancelled(url: display) }
            throw .unreachable(url: display, reason: NetworkErrorText.describe(error))
        }
    }

    /// A UDP channel for one exchange with a tracker, what its replies' peers are, and the key
    /// its connection id is cached under.
    private struct Exchange {
        var channel: any Channel
        var family: PeerAddressFamily
        var key: String
        /// Where datagrams are addressed on an unconnected channel (the proxy's relay); nil when
        /// the channel is connected to the tracker.
        var destination: SocketAddress?
    }

    private func openDirect(host: String, port: Int, display: String) async throws(TrackerError) -> Exchange {
        let address = try await resolve(host, port: port, display: display)
        do {
            let channel = try await DatagramBootstrap(group: group)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(UDPTransactionHandler())
                    }
                }
                .connect(to: address)
                .get()
            return Exchange(channel: channel, family: address.protocol == .inet6 ? .ipv6 : .ipv4,
                            key: "\(address)", destination: nil)
        } catch {
            throw .unreachable(url: display, reason: NetworkErrorText.describe(error))
        }
    }

    /// A UDP association with the proxy and a socket that sends only to its relay. The tracker's
    /// name is passed to the proxy, not resolved here.
    private func openThroughProxy(_ proxy: SOCKS5Proxy, host: String, port: Int, display: String)
        async throws(TrackerError) -> Exchange {
        guard let target = SOCKS5Address(host: host), let targetPort = UInt16(exactly: port) else {
            throw .invalidURL(display)
        }
        let association: SOCKS5UDPAssociation
        do {
            association = try await SOCKS5UDPAssociation.open(proxy: proxy, on: group.next()).get()
        } catch {
            throw .unreachable(url: display, reason: "the proxy gives no UDP (\(error))")
        }
        do {
            let channel = try await DatagramBootstrap(group: association.control.eventLoop)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandlers(
                            SOCKS5UDPRelayHandler(association: association, target: (target, targetPort)),
                            UDPTransactionHandler())
                    }
                }
                .bind(host: association.localHost, port: 0)
                .get()
            association.control.closeFuture.whenComplete { _ in channel.close(promise: nil) }
            let family: PeerAddressFamily = host.contains(":") ? .ipv6 : .ipv4
            return Exchange(channel: channel, family: family, key: "\(host):\(port)", destination: association.relay)
        } catch {
            association.close()
            throw .unreachable(url: display, reason: NetworkErrorText.describe(error))
        }
    }

    private func resolve(_ host: String, port: Int, display: String) async throws(TrackerError) -> SocketAddress {
        if let literal = try? SocketAddress(ipAddress: host, port: port) { return literal }
        do {
            return try await NIOThreadPool.singleton.runIfActive {
                try SocketAddress.makeAddressResolvingHost(host, port: port)
            }
        } catch {
            throw .unreachable(url: display, reason: NetworkErrorText.describe(error))
        }
    }
}

/// Connection ids by tracker (its address, or its name behind a proxy), each valid until its expiry.
private actor UDPConnectionIDCache {
    private var entries: [String: (id: UInt64, expires: ContinuousClock.Instant)] = [:]

    func validID(for key: String, at now: ContinuousClock.Instant) -> UInt64? {
        guard let entry = entries[key], now < entry.expires else { return nil }
        return entry.id
    }

    func store(_ id: UInt64, for key: String, until expires: ContinuousClock.Instant) {
        let now = ContinuousClock.now
        entries = entries.filter { $0.value.expires > now }
        entries[key] = (id, expires)
    }

    func forget(_ key: String) {
        entries[key] = nil
    }
}
