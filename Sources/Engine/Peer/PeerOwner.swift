import Logging
import SwarmLogic
import TorrentCore
import WireProtocol

/// The one owner of a peer connection: the torrent it trades pieces for, or the magnet link
/// whose metadata it may send. Set at dial time, or from the handshake for incoming peers.
enum PeerOwner {
    case torrent(TorrentRuntime)
    case magnet(MagnetTorrent)

    var infoHash: InfoHash {
        switch self {
        case .torrent(let torrent): torrent.infoHash
        case .magnet(let magnet): magnet.infoHash
        }
    }

    /// An outgoing connection attempt to `endpoint` failed before any byte moved, for `reason`.
    func connectionFailed(_ endpoint: PeerEndpoint, reason: String) {
        switch self {
        case .torrent(let torrent): torrent.connectionFailed(endpoint, reason: reason)
        case .magnet(let magnet): magnet.connectionFailed(endpoint, reason: reason)
        }
    }
}

/// What a connection needs from its session, and nothing more: the clock, our peer id, the
/// owner an incoming handshake names, the handshake bits to send, and where to report closing.
protocol PeerContext: AnyObject {
    var now: SwarmInstant { get }
    var peerID: PeerID { get }
    var log: Logger { get }
    /// Our client name and listening port, for the extension handshake.
    var clientName: String { get }
    var listeningPort: Int { get }
    func isOwnAddress(_ endpoint: PeerEndpoint) -> Bool
    func owner(for infoHash: InfoHash) -> PeerOwner?
    /// BEP 5: we take `port` messages (BEP 27: not for private torrents).
    func handshakeReserved(for infoHash: InfoHash) -> ReservedBits
    func connectionClosed(_ connection: PeerConnection)
    /// Another peer said (PEX flag 0x04 set or clear) how it reaches `endpoint`.
    func peerTransportHeard(_ kind: TransportKind, for endpoint: PeerEndpoint)
}

extension SessionCore: PeerContext {
    func owner(for infoHash: InfoHash) -> PeerOwner? { registry.owner(for: infoHash) }
    var clientName: String { configuration.clientName }

    func handshakeReserved(for infoHash: InfoHash) -> ReservedBits {
        var reserved: ReservedBits = [.extensionProtocol, .fastExtension]
        if isDHTRunning && torrent(for: infoHash)?.info.isPrivate == false { reserved.insert(.dht) }
        // BEP 52: we speak v2 for torrents that have a v2 half (or may have: magnets with a v2 hash).
        if torrent(for: infoHash)?.info.v2 != nil || magnet(for: infoHash)?.link.infoHashV2 != nil {
            reserved.insert(.v2)
        }
        return reserved
    }

    func connectionClosed(_ connection: PeerConnection) { connections.closed(connection) }
    func peerTransportHeard(_ kind: TransportKind, for endpoint: PeerEndpoint) {
        connections.noteTransport(kind, for: endpoint)
    }
}
