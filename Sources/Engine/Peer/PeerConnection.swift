internal import NIOCore
import SwarmLogic
import TorrentCore
import WireProtocol

/// One peer connection: the glue between a NIO channel and the owner of the peer.
///
/// It sends and checks the BitTorrent handshake, finds its owner (a torrent or a magnet), and
/// from then on forwards every message to that owner and writes what the owner sends. The
/// protocol state lives in `session` (a pure `PeerSession`, set by a torrent owner on attach);
/// decisions live in the owner. Confined to the session's event loop.
final class PeerConnection: @unchecked Sendable {
    enum Direction: Sendable { case incoming, outgoing }
    enum State { case connecting, handshaking, active, closed }

    let key: PeerKey
    let endpoint: PeerEndpoint
    let direction: Direction
    /// Where its address came from.
    let source: PeerSource
    private(set) var owner: PeerOwner?
    unowned let context: any PeerContext
    private(set) var state: State = .connecting
    private var channel: Channel?
    private let encoder = PeerMessageEncoder()
    private var needsFlush = false
    /// Messages encoded since the last flush (see `send`).
    private var gathered: ByteBuffer?

    /// The peer's handshake, once it arrived.
    private(set) var handshake: PeerHandshake?
    /// The BitTorrent protocol state with a torrent's peer (nil for a magnet's).
    var session: PeerSession?
    /// Its client, from the peer id and later its extension handshake.
    var clientName = ""
    /// What the peer said in its extension handshake, and our peer-exchange state with it.
    var peerExtensions: ExtensionHandshake?
    var pex: PexState?
    /// True when the connection runs RC4 (MSE/PE).
    var isEncrypted = false
    /// True when the connection runs over uTP (BEP 29) rather than TCP.
    var isUTP = false
    /// Blocks being read from disk for this peer (in batches).
    var uploadsReading = 0
    /// True while a call to serve its queued uploads is on the way (`TorrentRuntime.scheduleUploads`).
    var uploadsScheduled = false
    /// For a magnet's peers, which have no `PeerSession`: for keep-alives.
    private(set) var lastSentAt: SwarmInstant

    var receivedHandshake: Bool { handshake != nil }
    var remotePeerID: PeerID? { handshake?.peerID }
    var now: SwarmInstant { context.now }

    /// The info-hash an outgoing connection offers: the owner's, or a hybrid's truncated v2 hash
    /// for a peer learnt in its v2 swarm (BEP 52), which knows the torrent only by that one.
    let swarmHash: InfoHash?

    init(key: PeerKey, endpoint: PeerEndpoint, direction: Direction, source: PeerSource, owner: PeerOwner?,
         swarmHash: InfoHash? = nil, context: any PeerContext) {
        self.key = key
        self.swarmHash = swarmHash ?? owner?.infoHash
        self.endpoint = endpoint
        self.direction = direction
        self.source = source
        self.owner = owner
        self.context = context
        lastSentAt = context.now
    }

    // MARK: - Channel events

    func channelBecameActive(_ channel: Channel) {
        self.channel = channel
        state = .handshaking
        if direction == .outgoing, let infoHash = swarmHash {
            sendHandshake(infoHash: infoHash)
            flush()
        }
    }

    func receive(_ event: PeerStreamEvent) {
        guard state != .closed else { return }
        switch event {
        case .handshake(let handshake):
            receiveHandshake(handshake)
        case .message(let message):
            guard state == .active, let owner else { return close(reason: "message before the handshake") }
            switch owner {
            case .torrent(let torrent): torrent.receive(message, from: self)
            case .magnet(let magnet): magnet.receive(message, from: self)
            }
        }
    }

    func channelClosed() {
        guard state != .closed else { return }
        state = .closed
        switch owner {
        case .torrent(let torrent): torrent.peerDisconnected(self)
        case .magnet(let magnet): magnet.peerDisconnected(self)
        case nil: break
        }
        context.connectionClosed(self)
    }

    /// Drops the connection, logging why.
    func close(reason: String) {
        guard state != .closed else { return }
        context.log.debug("closing \(endpoint): \(reason)")
        channel?.close(promise: nil)
        if channel == nil { channelClosed() }
    }

    // MARK: - Handshake

    private func sendHandshake(infoHash: InfoHash) {
        let handshake = PeerHandshake(reserved: context.handshakeReserved(for: infoHash), infoHash: infoHash,
                                      peerID: context.peerID)
        write(handshake.encoded())
    }

    private func receiveHandshake(_ handshake: PeerHandshake) {
        guard state == .handshaking else { return close(reason: "second handshake") }
        if handshake.peerID == context.peerID { return close(reason: "connected to ourselves") }
        if direction == .incoming {
            guard let found = context.owner(for: handshake.infoHash) else {
                return close(reason: "unknown info-hash \(handshake.infoHash)")
            }
            owner = found
            sendHandshake(infoHash: handshake.infoHash)
        } else if handshake.infoHash != swarmHash {
            return close(reason: "peer answered with another info-hash")
        }
        self.handshake = handshake
        clientName = handshake.peerID.clientName
        state = .active
        let refusal: String? = switch owner {
        case .torrent(let torrent): torrent.attach(self)
        case .magnet(let magnet): magnet.attach(self)
        case nil: "no torrent"
        }
        if let refusal { return close(reason: refusal) }
        flush()
    }

    // MARK: - Writing

    /// False while the channel's send buffer is above its high-water mark: uploads wait, so a
    /// peer that does not read cannot make us buffer without bound.
    var isWritable: Bool { channel?.isWritable ?? false }

    /// The send buffer drained below its low-water mark: queued uploads may go on.
    func becameWritable() {
        if case .torrent(let torrent) = owner {
            torrent.serveUploads(self)
            flush()
        }
    }

    /// Encodes `message` behind the others sent since the last flush, which go to the channel as
    /// one buffer: with 16 KiB pieces a `have` per verified piece was a buffer and a trip down
    /// the pipeline each.
    func send(_ message: PeerMessage) {
        guard let channel, state != .closed else { return }
        if gathered == nil { gathered = channel.allocator.buffer(capacity: 512) }
        encoder.encode(message, into: &gathered!)
        needsFlush = true
        lastSentAt = context.now
        if gathered!.readableBytes >= Self.gatheredLimit { writeGathered() }
    }

    /// Sends a frame already encoded (a `piece` read from disk into its frame), after the
    /// messages gathered before it.
    func sendEncoded(_ frame: ByteBuffer) {
        writeGathered()
        write(frame)
    }

    /// Most bytes of messages gathered before they go to the channel without waiting for a flush.
    static let gatheredLimit = 64 << 10

    private func writeGathered() {
        guard let buffer = gathered else { return }
        gathered = nil
        write(buffer)
    }

    private func write(_ buffer: ByteBuffer) {
        guard let channel, state != .closed else { return }
        channel.write(buffer, promise: nil)
        needsFlush = true
        lastSentAt = context.now
    }

    func flush() {
        writeGathered()
        guard needsFlush, let channel else { return }
        needsFlush = false
        channel.flush()
    }
}
