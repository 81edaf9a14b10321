internal import NIOCore
import SwarmLogic
import TorrentCore
import WireProtocol

/// One peer connection's protocol state, confined to the session's event loop.
///
/// It turns the peer's messages into picker updates, requests and uploads, and keeps the
/// choke/interest flags of both sides. The torrent owns the swarm-wide decisions (choking,
/// which peers to connect); the connection carries them out for its peer.
final class PeerConnection: @unchecked Sendable {
    enum Direction: Sendable { case incoming, outgoing }
    enum State { case connecting, handshaking, active, closed }

    let key: PeerKey
    let endpoint: PeerEndpoint
    let direction: Direction
    unowned let core: SessionCore
    private(set) var torrent: TorrentRuntime?
    /// Set instead of `torrent` while the torrent is a magnet fetching its metadata (Magnet/).
    private(set) var magnet: MagnetTorrent?
    /// What the peer said in its extension handshake, and our peer-exchange state with it (PEX/).
    var peerExtensions: ExtensionHandshake?
    var pex: PexState?
    private var channel: Channel?
    var state: State = .connecting
    private let encoder = PeerMessageEncoder()
    private var needsFlush = false

    // What we know of the peer.
    var remotePeerID: PeerID?
    var supportsFast = false
    var supportsExtensions = false
    var clientName = ""
    private var requestLimit: Int?
    private(set) var has: Bitfield = Bitfield(count: 0)
    private var allowedFast: Set<Int> = []
    private var receivedFirstMessage = false

    // Flags of both sides.
    private(set) var amChoking = true
    private(set) var amInterested = false
    private(set) var peerChoking = true
    private(set) var peerInterested = false
    private(set) var isOptimistic = false

    // Requests and uploads.
    private(set) var requestsInFlight: Set<BlockRequest> = []
    private var uploadQueue: [BlockRequest] = []
    private var uploadsReading = 0
    private static let maxUploadQueue = 500
    private static let maxConcurrentReads = 8

    // Accounting.
    private(set) var downloadRate = TransferRate()
    private(set) var uploadRate = TransferRate()
    private(set) var lastBlockAt: SwarmInstant
    private(set) var lastReceivedAt: SwarmInstant
    private var lastSentAt: SwarmInstant
    private(set) var lastUnchokedAt: SwarmInstant?
    let connectedAt: SwarmInstant
    /// Where its address came from.
    var source: PeerSource = .incoming
    /// True when the connection runs RC4 (MSE/PE).
    var isEncrypted = false
    /// True once the peer's BitTorrent handshake arrived.
    var receivedHandshake: Bool { remotePeerID != nil }

    init(key: PeerKey, endpoint: PeerEndpoint, direction: Direction, core: SessionCore, torrent: TorrentRuntime?,
         magnet: MagnetTorrent? = nil) {
        self.magnet = magnet
        self.key = key
        self.endpoint = endpoint
        self.direction = direction
        self.core = core
        self.torrent = torrent
        let now = core.now
        connectedAt = now
        lastBlockAt = now
        lastReceivedAt = now
        lastSentAt = now
    }

    var isSeed: Bool { has.count > 0 && has.isComplete }
    var isSnubbed: Bool {
        amInterested && !peerChoking && Choker.isSnubbed(lastBlockAt: lastBlockAt, now: core.now)
    }

    // MARK: - Channel events

    func channelBecameActive(_ channel: Channel) {
        self.channel = channel
        state = .handshaking
        if direction == .outgoing, let infoHash = torrent?.infoHash ?? magnet?.infoHash {
            sendHandshake(infoHash: infoHash)
            flush()
        }
    }

    func receive(_ event: PeerStreamEvent) {
        guard state != .closed else { return }
        lastReceivedAt = core.now
        switch event {
        case .handshake(let handshake):
            receiveHandshake(handshake)
        case .message(let message):
            guard state == .active else { return close(reason: "message before the handshake") }
            handle(message)
        }
    }

    func channelClosed() {
        guard state != .closed else { return }
        state = .closed
        torrent?.peerDisconnected(self)
        magnet?.peerDisconnected(self)
        core.connectionClosed(self)
    }

    /// Drops the connection, logging why.
    func fail(reason: String) {
        close(reason: reason)
    }

    func close(reason: String) {
        guard state != .closed else { return }
        core.log.debug("closing \(endpoint): \(reason)")
        channel?.close(promise: nil)
        if channel == nil { channelClosed() }
    }

    // MARK: - Handshake

    private func sendHandshake(infoHash: InfoHash) {
        var reserved: ReservedBits = [.extensionProtocol, .fastExtension]
        // BEP 5: we take `port` messages (BEP 27: not for private torrents).
        if core.isDHTRunning && core.torrent(for: infoHash)?.info.isPrivate == false { reserved.insert(.dht) }
        let handshake = PeerHandshake(reserved: reserved, infoHash: infoHash, peerID: core.peerID)
        write(handshake.encoded())
    }

    private func receiveHandshake(_ handshake: PeerHandshake) {
        guard state == .handshaking else { return close(reason: "second handshake") }
        if handshake.peerID == core.peerID { return close(reason: "connected to ourselves") }
        if direction == .incoming {
            if let found = core.torrent(for: handshake.infoHash) {
                torrent = found
            } else if let found = core.magnet(for: handshake.infoHash) {
                magnet = found
            } else {
                return close(reason: "unknown info-hash \(handshake.infoHash)")
            }
            sendHandshake(infoHash: handshake.infoHash)
        } else if handshake.infoHash != (torrent?.infoHash ?? magnet?.infoHash) {
            return close(reason: "peer answered with another info-hash")
        }
        if torrent == nil, magnet != nil { return startFetchingMetadata(handshake) }
        guard let torrent else { return close(reason: "no torrent") }
        remotePeerID = handshake.peerID
        supportsFast = handshake.supportsFastExtension
        supportsExtensions = handshake.supportsExtensionProtocol
        clientName = handshake.peerID.clientName
        has = Bitfield(count: torrent.pieceCount)
        guard torrent.attach(self) else { return close(reason: "torrent refused the peer") }
        state = .active

        if supportsExtensions { send(ourExtensionHandshake().message) }
        let have = torrent.havePieces
        if supportsFast && have.isComplete {
            send(.haveAll)
        } else if supportsFast && have.isEmpty {
            send(.haveNone)
        } else if !have.isEmpty {
            send(.bitfield(have.bytes))
        }
        // BEP 5: tell a DHT-speaking peer where our DHT node listens.
        if handshake.supportsDHT, !torrent.info.isPrivate, let dht = core.dhtNode(reaching: endpoint.host),
           let port = UInt16(exactly: dht.port), port > 0 {
            send(.port(port))
        }
        flush()
    }

    // MARK: - Messages

    private func handle(_ message: PeerMessage) {
        guard let torrent else {
            if case .extended(let id, let payload) = message { receiveExtended(id: id, payload: payload) }
            return  // While fetching metadata nothing else matters (the piece count is unknown).
        }
        // The bitfield (or have-all/none) must come before any other news of pieces; the
        // extension handshake may precede it.
        var first = false
        switch message {
        case .bitfield, .haveAll, .haveNone, .have:
            first = !receivedFirstMessage
            receivedFirstMessage = true
        default:
            break
        }
        switch message {
        case .keepAlive:
            break
        case .choke:
            peerChoking = true
            releaseRequests()
        case .unchoke:
            peerChoking = false
            lastBlockAt = core.now
            fillRequests()
        case .interested:
            peerInterested = true
            torrent.peerBecameInterested(self)
        case .notInterested:
            peerInterested = false
            uploadQueue.removeAll()
        case .have(let piece):
            guard piece.value < has.count else { return close(reason: "have for piece \(piece) out of range") }
            if !has[piece.value] {
                has[piece.value] = true
                torrent.peerHas(self, piece: piece)
                updateInterest()
                if isSeed && torrent.isSeeding { return close(reason: "both sides are seeds") }
            }
        case .bitfield(let bytes):
            guard let field = Bitfield(bytes: bytes, count: torrent.pieceCount) else {
                return close(reason: "bitfield of \(bytes.count) bytes does not fit \(torrent.pieceCount) pieces")
            }
            if !first {
                // Out of order (aria2 resends its bitfield as it progresses): take it as the
                // peer's whole truth.
                torrent.picker.peerLeft(key)
            }
            has = field
            torrent.peerSentBitfield(self)
            updateInterest()
            if isSeed && torrent.isSeeding { return close(reason: "both sides are seeds") }
        case .haveAll:
            guard supportsFast else { return close(reason: "have-all without the fast extension") }
            if !first { torrent.picker.peerLeft(key) }
            has = Bitfield(count: torrent.pieceCount, allSet: true)
            torrent.peerSentBitfield(self)
            updateInterest()
            if torrent.isSeeding { return close(reason: "both sides are seeds") }
        case .haveNone:
            guard supportsFast else { return close(reason: "have-none without the fast extension") }
        case .request(let request):
            receiveRequest(request)
        case .piece(let piece, let offset, let block):
            receiveBlock(piece: piece, offset: offset, block: block)
        case .cancel(let request):
            uploadQueue.removeAll { $0 == request }
        case .rejectRequest(let request):
            if requestsInFlight.remove(request) != nil {
                torrent.picker.requestCancelled(request, by: key)
            }
        case .allowedFast(let piece):
            if piece.value < torrent.pieceCount { allowedFast.insert(piece.value) }
            if peerChoking { fillRequests() }
        case .suggestPiece:
            break
        case .port(let port):
            // BEP 5: the peer runs a DHT node there; ping it so it can join our table.
            if port > 0 && !torrent.info.isPrivate {
                core.dhtNode(reaching: endpoint.host)?.ping(PeerEndpoint(host: endpoint.host, port: port))
            }
        case .extended(let id, let payload):
            if id == 0, let handshake = try? ExtensionHandshake(decoding: payload) {
                requestLimit = handshake.requestQueueLength
            }
            receiveExtended(id: id, payload: payload)
        }
    }

    private func receiveBlock(piece: PieceIndex, offset: Int, block: ByteBuffer) {
        guard let torrent else { return }
        let request = BlockRequest(piece: piece, offset: offset, length: block.readableBytes)
        requestsInFlight.remove(request)
        let now = core.now
        downloadRate.record(bytes: request.length, at: now)
        lastBlockAt = now
        torrent.receivedBlock(request, data: block, from: self)
        fillRequests()
    }

    private func receiveRequest(_ request: BlockRequest) {
        guard let torrent else { return }
        let valid = request.piece.value < torrent.pieceCount && request.length > 0 && request.length <= 128 * 1024
            && request.offset >= 0 && request.offset + request.length <= torrent.pieceSize(request.piece.value)
        guard valid else { return close(reason: "invalid request \(request)") }
        guard !amChoking, torrent.havePieces[request.piece.value], uploadQueue.count < Self.maxUploadQueue else {
            if supportsFast { send(.rejectRequest(request)) }
            return
        }
        uploadQueue.append(request)
        serveUploads()
    }

    /// Reads queued blocks from disk and sends them, a few at a time.
    func serveUploads() {
        guard let torrent, state == .active else { return }
        while !amChoking, uploadsReading < Self.maxConcurrentReads, !uploadQueue.isEmpty,
              torrent.mayUpload(bytes: uploadQueue[0].length) {
            let request = uploadQueue.removeFirst()
            uploadsReading += 1
            torrent.readBlock(request).assumeIsolated().whenComplete { [self] result in
                uploadsReading -= 1
                guard state == .active else { return }
                switch result {
                case .success(let data):
                    send(.piece(request.piece, offset: request.offset, block: data))
                    uploadRate.record(bytes: request.length, at: core.now)
                    torrent.countUpload(request.length)
                    flush()
                    serveUploads()
                case .failure(let error):
                    if supportsFast { send(.rejectRequest(request)) }
                    torrent.diskReadFailed(error)
                }
            }
        }
    }

    // MARK: - Our side

    /// Recomputes whether the peer has something we want, telling it when that changes.
    func updateInterest() {
        guard let torrent, state == .active else { return }
        let interested = torrent.wants(anyOf: has)
        if interested != amInterested {
            amInterested = interested
            send(interested ? .interested : .notInterested)
        }
        if interested { fillRequests() }
    }

    /// Asks for more blocks when fewer than the pipeline depth are outstanding.
    func fillRequests() {
        guard let torrent, state == .active, amInterested, torrent.mayRequest else { return }
        let offered: Bitfield
        if !peerChoking {
            offered = has
        } else if !allowedFast.isEmpty {
            var fast = Bitfield(count: torrent.pieceCount)
            for piece in allowedFast where has[piece] { fast[piece] = true }
            offered = fast
        } else {
            return
        }
        let depth = torrent.pipeline.depth(downloadRate: downloadRate.rate(at: core.now), peerLimit: requestLimit)
        // Refill in batches: each pick scans the torrent's pieces.
        guard requestsInFlight.count <= depth - max(1, depth / 4) else { return }
        let allowed = torrent.requestAllowance(blocks: depth - requestsInFlight.count)
        guard allowed > 0 else { return }
        let blocks = torrent.pickBlocks(for: self, offered: offered, count: allowed)
        for block in blocks {
            requestsInFlight.insert(block)
            send(.request(block))
        }
        if !blocks.isEmpty { flush() }
    }

    /// Forgets our outstanding requests (after a choke or a timeout) so others can take them.
    func releaseRequests() {
        guard let torrent else { return }
        _ = torrent.picker.releaseRequests(of: key)
        requestsInFlight.removeAll()
    }

    /// Drops one request that took too long.
    func requestTimedOut(_ request: BlockRequest) {
        if requestsInFlight.remove(request) != nil {
            torrent?.picker.requestTimedOut(request, by: key)
        }
    }

    func cancel(_ request: BlockRequest) {
        if requestsInFlight.remove(request) != nil {
            send(.cancel(request))
        }
    }

    func setChoked(_ choked: Bool, optimistic: Bool = false) {
        isOptimistic = !choked && optimistic
        guard choked != amChoking, state == .active else { return }
        amChoking = choked
        if choked {
            if supportsFast { for request in uploadQueue { send(.rejectRequest(request)) } }
            uploadQueue.removeAll()
            send(.choke)
        } else {
            lastUnchokedAt = core.now
            send(.unchoke)
        }
        flush()
    }

    func sendHave(_ piece: Int) {
        guard state == .active else { return }
        send(.have(PieceIndex(checked: piece)))
    }

    /// Sends a keep-alive when nothing was sent for a while.
    func keepAliveIfIdle() {
        guard state == .active, lastSentAt.duration(to: core.now) > .seconds(90) else { return }
        send(.keepAlive)
        flush()
    }

    // MARK: - Writing

    func send(_ message: PeerMessage) {
        write(encoder.encode(message))
    }

    private func write(_ buffer: ByteBuffer) {
        guard let channel, state != .closed else { return }
        channel.write(buffer, promise: nil)
        needsFlush = true
        lastSentAt = core.now
    }

    func flush() {
        guard needsFlush, let channel else { return }
        needsFlush = false
        channel.flush()
    }
}
