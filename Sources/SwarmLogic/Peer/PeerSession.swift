import Collections
import NIOCore
import TorrentCore
import WireProtocol

/// The protocol state of one peer connection after the BitTorrent handshake (BEP 3, the fast
/// extension of BEP 6, the extension envelope of BEP 10): every message in, every decision out as
/// `PeerAction`s for the owner to carry out. Pure: no socket, no clock, no picker; time is a parameter.
///
/// A typical exchange, the owner's calls in brackets:
///
///     peer: [extension handshake] bitfield        → peerHasBitfield     [setInterested(true)] → interested
///     peer: unchoke                               → mayRequest          [requested(blocks)]   → request…
///     peer: piece…                                → block…              [announceHave(piece)] → have
///     peer: interested                            → becameInterested    [setChoked(false)]    → unchoke
///     peer: request…                              → uploadQueued…       [nextUpload(), uploaded(_:at:)]
///     peer: choke                                 → chokedUs            (our requests are released)
///
/// Memory stays bounded by `Limits` whatever the peer sends: the upload queue by `maxQueuedUploads`
/// (a peer that keeps flooding it is dropped), the allowed-fast set by `maxAllowedFast`, and the
/// rest by the torrent's piece count. After the session asks to disconnect it ignores every input.
public struct PeerSession: Sendable {
    /// The owner's handle for this peer, as the picker and the choker know it.
    public let key: PeerKey
    /// Pieces in the torrent; `has` and every piece index the peer sends are checked against it.
    public let pieceCount: Int
    /// The peer set the fast-extension bit (BEP 6): it takes rejects and may send have-all/none.
    public let supportsFast: Bool
    /// The peer set the extension-protocol bit (BEP 10).
    public let supportsExtensions: Bool
    /// The bounds this session enforces.
    public let limits: Limits

    /// Pieces the peer told us it has.
    public private(set) var has: Bitfield
    /// We refuse to serve the peer; starts true.
    public private(set) var amChoking = true
    /// We told the peer it has pieces we want; starts false.
    public private(set) var amInterested = false
    /// The peer refuses to serve us; starts true.
    public private(set) var peerChoking = true
    /// The peer wants pieces we have; starts false.
    public private(set) var peerInterested = false
    /// We unchoked the peer in the optimistic slot, not for its rate.
    public private(set) var isOptimistic = false
    /// The peer's `reqq` from its extension handshake: how many requests it queues for us.
    public private(set) var requestLimit: Int?
    /// Pieces the peer lets us request even while it chokes us (BEP 6), at most `limits.maxAllowedFast`.
    public private(set) var allowedFast: Set<Int> = []
    /// Bytes of piece data from the peer.
    public private(set) var downloadRate = TransferRate()
    /// Bytes of piece data to the peer.
    public private(set) var uploadRate = TransferRate()
    /// The later of the last block and the last unchoke from the peer, for snubbing.
    public private(set) var lastBlockAt: SwarmInstant
    /// The last message from the peer, for the idle timeout.
    public private(set) var lastReceivedAt: SwarmInstant
    /// The last thing we sent the peer, for keep-alives.
    public private(set) var lastSentAt: SwarmInstant
    /// When we last unchoked the peer, for the seeding choker's round robin.
    public private(set) var lastUnchokedAt: SwarmInstant?
    /// When the session started.
    public let connectedAt: SwarmInstant
    /// Why the session asked to disconnect; once set, every input is ignored.
    public private(set) var disconnectReason: String?

    private let pieceLength: Int
    private let totalLength: Int
    /// True once the first bitfield, have-all, have-none or have arrived.
    private var receivedPieceNews = false
    /// The peer's requests, oldest first, and the same as a set for duplicate checks.
    private var uploadQueue: Deque<BlockRequest> = []
    private var queuedRequests: Set<BlockRequest> = []
    /// Requests rejected because the queue was full.
    private var floodCount = 0

    /// A session for a peer of a torrent of `totalLength` bytes in pieces of `pieceLength`, whose
    /// handshake set the fast and extension bits as given.
    public init(
        key: PeerKey, pieceLength: Int, totalLength: Int, supportsFast: Bool,
        supportsExtensions: Bool, at now: SwarmInstant, limits: Limits = Limits()
    ) {
        precondition(pieceLength > 0 && totalLength >= 0)
        self.key = key
        self.pieceLength = pieceLength
        self.totalLength = totalLength
        self.pieceCount = totalLength == 0 ? 0 : (totalLength - 1) / pieceLength + 1
        self.supportsFast = supportsFast
        self.supportsExtensions = supportsExtensions
        self.limits = limits
        self.has = Bitfield(count: pieceCount)
        self.connectedAt = now
        self.lastBlockAt = now
        self.lastReceivedAt = now
        self.lastSentAt = now
    }

    // MARK: - State

    /// Requests from the peer waiting to be served.
    public var queuedUploads: Int { uploadQueue.count }

    /// The peer has every piece (of a torrent that has pieces).
    public var isSeed: Bool { pieceCount > 0 && has.isComplete }

    /// True once the session asked to disconnect.
    public var isClosed: Bool { disconnectReason != nil }

    /// True when the peer unchoked us while we want its pieces, yet sent no block for
    /// `Choker.snubTimeout`: the choker then passes it over.
    public func isSnubbed(at now: SwarmInstant) -> Bool {
        amInterested && !peerChoking && Choker.isSnubbed(lastBlockAt: lastBlockAt, now: now)
    }

    /// Bytes in `piece` (one of ours): the piece length, except for a shorter last piece.
    func size(ofPiece piece: PieceIndex) -> Int {
        min(pieceLength, totalLength - piece.value * pieceLength)
    }

    // MARK: - Messages from the peer

    /// One message from the peer. `weHave` is the torrent's verified pieces, so requests for pieces
    /// we lack are refused.
    public mutating func receive(_ message: PeerMessage, at now: SwarmInstant, weHave: Bitfield) -> [PeerAction] {
        guard !isClosed else { return [] }
        lastReceivedAt = now
        return finish(handle(message, at: now, weHave: weHave), at: now)
    }

    private mutating func handle(_ message: PeerMessage, at now: SwarmInstant, weHave: Bitfield) -> [PeerAction] {
        // The bitfield (or have-all/none) must come before any other news of pieces; the
        // extension handshake may precede it.
        var first = false
        switch message {
        case .bitfield, .haveAll, .haveNone, .have:
            first = !receivedPieceNews
            receivedPieceNews = true
        default:
            break
        }
        switch message {
        case .keepAlive, .suggestPiece:
            return []
        case .choke:
            peerChoking = true
            return [.chokedUs]
        case .unchoke:
            peerChoking = false
            lastBlockAt = now
            return [.mayRequest]
        case .interested:
            guard !peerInterested else { return [] }
            peerInterested = true
            return [.becameInterested]
        case .notInterested:
            // The queue goes either way (requests may be queued from a peer that never said it was
            // interested); only a change of mind frees an upload slot.
            let wasInterested = peerInterested
            peerInterested = false
            clearUploadQueue()
            return wasInterested ? [.lostInterest] : []
        case .have(let piece):
            guard piece.value < pieceCount else {
                return [.disconnect(reason: "have for piece \(piece) out of range 0..<\(pieceCount)")]
            }
            guard !has[piece] else { return [] }
            has[piece] = true
            return [.peerHas(piece)]
        case .bitfield(let bytes):
            guard let field = Bitfield(bytes: bytes, count: pieceCount) else {
                return [.disconnect(reason: "bitfield of \(bytes.count) bytes does not fit \(pieceCount) pieces "
                    + "(\((pieceCount + 7) / 8) bytes, spare bits clear)")]
            }
            has = field
            return [.peerHasBitfield(field, replacingEarlier: !first)]
        case .haveAll:
            guard supportsFast else { return [.disconnect(reason: "have-all without the fast extension")] }
            has = Bitfield(count: pieceCount, allSet: true)
            return [.peerHasBitfield(has, replacingEarlier: !first)]
        case .haveNone:
            guard supportsFast else { return [.disconnect(reason: "have-none without the fast extension")] }
            return []
        case .request(let request):
            return receiveRequest(request, weHave: weHave)
        case .cancel(let request):
            if queuedRequests.remove(request) != nil {
                uploadQueue.removeAll { $0 == request }
            }
            return []
        case .piece(let piece, let offset, let block):
            let request = BlockRequest(piece: piece, offset: offset, length: block.readableBytes)
            guard isValid(request) else { return [.disconnect(reason: "block outside the torrent: \(request)")] }
            downloadRate.record(bytes: request.length, at: now)
            lastBlockAt = now
            return [.block(request, block)]
        case .rejectRequest(let request):
            // The picker, the one owner of our requests, ignores one it does not hold.
            return [.requestRejected(request)]
        case .allowedFast(let piece):
            guard piece.value < pieceCount, allowedFast.count < limits.maxAllowedFast,
                  allowedFast.insert(piece.value).inserted else { return [] }
            return peerChoking ? [.mayRequest] : []
        case .port(let port):
            return port > 0 ? [.dhtPort(port)] : []
        case .extended(let id, let payload):
            if id == 0, let handshake = try? ExtensionHandshake(decoding: payload) {
                requestLimit = handshake.requestQueueLength
            }
            return [.extended(id: id, payload: payload)]
        case .hashRequest, .hashes, .hashReject:
            return [.merkle(message)]
        }
    }

    /// A request from the peer: queued when we unchoke it, have the piece and have room.
    private mutating func receiveRequest(_ request: BlockRequest, weHave: Bitfield) -> [PeerAction] {
        guard isValid(request) else { return [.disconnect(reason: "invalid request \(request)")] }
        let piece = request.piece.value
        guard !amChoking, piece < weHave.count, weHave[piece] else { return reject(request) }
        guard !queuedRequests.contains(request) else { return [] }
        guard uploadQueue.count < limits.maxQueuedUploads else {
            floodCount += 1
            if floodCount >= limits.floodStrikes {
                return [.disconnect(reason: "flooding requests: \(floodCount) beyond our queue of "
                    + "\(limits.maxQueuedUploads)")]
            }
            return reject(request)
        }
        uploadQueue.append(request)
        queuedRequests.insert(request)
        return [.uploadQueued]
    }

    /// True when `request` lies inside one piece of the torrent and is no longer than we allow.
    private func isValid(_ request: BlockRequest) -> Bool {
        request.piece.value < pieceCount && request.length > 0 && request.length <= limits.maxRequestLength
            && request.offset >= 0 && request.offset <= size(ofPiece: request.piece) - request.length
    }

    /// A BEP 6 reject when the peer speaks the fast extension; without it, silence is the refusal.
    private func reject(_ request: BlockRequest) -> [PeerAction] {
        supportsFast ? [.send(.rejectRequest(request))] : []
    }

    private mutating func clearUploadQueue() {
        uploadQueue.removeAll()
        queuedRequests.removeAll()
    }

    // MARK: - Our side

    /// Tells the peer whether it has pieces we want; a message goes out only when that changes.
    public mutating func setInterested(_ interested: Bool, at now: SwarmInstant) -> [PeerAction] {
        guard !isClosed, interested != amInterested else { return [] }
        amInterested = interested
        return finish([.send(interested ? .interested : .notInterested)], at: now)
    }

    /// Carries out the choker's decision. Choking rejects every queued upload (BEP 6, when the peer
    /// speaks it) and clears the queue; unchoking records `lastUnchokedAt`. `isOptimistic` follows
    /// the decision even when the choke state, and so the wire, does not change.
    public mutating func setChoked(_ choked: Bool, optimistic: Bool, at now: SwarmInstant) -> [PeerAction] {
        guard !isClosed else { return [] }
        isOptimistic = !choked && optimistic
        guard choked != amChoking else { return [] }
        amChoking = choked
        var actions: [PeerAction] = []
        if choked {
            if supportsFast { actions = uploadQueue.map { .send(.rejectRequest($0)) } }
            clearUploadQueue()
            actions.append(.send(.choke))
        } else {
            lastUnchokedAt = now
            actions.append(.send(.unchoke))
        }
        return finish(actions, at: now)
    }

    /// The pieces we may request now: all the peer has while it unchokes us, only its allowed-fast
    /// pieces while it chokes us; nil when that leaves nothing.
    public func offeredPieces() -> Bitfield? {
        if !peerChoking { return has.isEmpty ? nil : has }
        var fast = Bitfield(count: pieceCount)
        for piece in allowedFast where has[piece] { fast[piece] = true }
        return fast.isEmpty ? nil : fast
    }

    /// How many requests to keep outstanding at this peer: enough for its measured rate, within its `reqq`,
    /// and, given the torrent's download rate, within its share of the torrent's request budget.
    public func pipelineDepth(at now: SwarmInstant, pipeline: RequestPipeline, torrentRate: Double? = nil) -> Int {
        let rate = downloadRate.rate(at: now)
        guard let torrentRate else { return pipeline.depth(downloadRate: rate, peerLimit: requestLimit) }
        return pipeline.depth(downloadRate: rate, peerLimit: requestLimit, torrentRate: torrentRate)
    }

    /// Sends the requests for blocks the owner picked. Which requests are outstanding is kept
    /// once, by the torrent's picker, not here.
    public mutating func requested(_ blocks: [BlockRequest], at now: SwarmInstant) -> [PeerAction] {
        guard !isClosed else { return [] }
        return finish(blocks.map { .send(.request($0)) }, at: now)
    }

    /// Withdraws one of our requests (endgame: another peer delivered it first); the owner asks
    /// only for requests the picker still lists at this peer.
    public mutating func cancel(_ block: BlockRequest, at now: SwarmInstant) -> [PeerAction] {
        guard !isClosed else { return [] }
        return finish([.send(.cancel(block))], at: now)
    }

    /// Tells the peer we have a newly verified piece.
    public mutating func announceHave(_ piece: PieceIndex, at now: SwarmInstant) -> [PeerAction] {
        guard !isClosed else { return [] }
        return finish([.send(.have(piece))], at: now)
    }

    // MARK: - Uploads

    /// The oldest queued request, removed from the queue for the owner to read and send; nil while
    /// we choke the peer (choking cleared the queue anyway).
    public mutating func nextUpload() -> BlockRequest? {
        guard !amChoking, !isClosed, let request = uploadQueue.popFirst() else { return nil }
        queuedRequests.remove(request)
        return request
    }

    /// The owner sent the data for `block`: counts it in `uploadRate` (and as sent, for keep-alives).
    public mutating func uploaded(_ block: BlockRequest, at now: SwarmInstant) {
        uploadRate.record(bytes: block.length, at: now)
        lastSentAt = now
    }

    /// The owner could not read `block`: refuses it when the peer speaks BEP 6, so it asks elsewhere.
    public mutating func uploadFailed(_ block: BlockRequest, at now: SwarmInstant) -> [PeerAction] {
        guard !isClosed else { return [] }
        return finish(reject(block), at: now)
    }

    // MARK: - Timing

    /// The owner wrote something the session did not produce (handshake, extension message), so
    /// no keep-alive is needed yet.
    public mutating func noteSent(at now: SwarmInstant) {
        lastSentAt = max(lastSentAt, now)
    }

    /// Once a second: a keep-alive when nothing was sent for `keepAliveAfter`; a disconnect when
    /// nothing was received for `idleTimeout`.
    public mutating func tick(at now: SwarmInstant) -> [PeerAction] {
        guard !isClosed else { return [] }
        if lastReceivedAt.duration(to: now) >= limits.idleTimeout {
            return finish([.disconnect(reason: "nothing received for \(limits.idleTimeout)")], at: now)
        }
        guard lastSentAt.duration(to: now) >= limits.keepAliveAfter else { return [] }
        return finish([.send(.keepAlive)], at: now)
    }

    /// Applies what every batch of actions implies: a send moves `lastSentAt`, a disconnect closes.
    private mutating func finish(_ actions: [PeerAction], at now: SwarmInstant) -> [PeerAction] {
        for action in actions {
            switch action {
            case .send: lastSentAt = now
            case .disconnect(let reason): disconnectReason = disconnectReason ?? reason
            default: break
            }
        }
        return actions
    }
}
