internal import NIOCore
import SwarmLogic
import TorrentCore
import WireProtocol

/// The BEP 10 extensions a connection speaks: `ut_metadata` (BEP 9: serving our info dictionary,
/// or fetching it for a magnet) and `ut_pex` (BEP 11, not on private torrents). `torrent` is the
/// owner when it is a torrent; nil for a magnet.
extension PeerConnection {
    /// The ids under which we want to receive each extension's messages.
    static let metadataMessageID: UInt8 = 3
    static let pexMessageID: UInt8 = 1

    /// Our extension handshake: the extensions we speak and, when we have it, the metadata size.
    /// Peer exchange is off for private torrents (BEP 27); a magnet does not know yet and takes it.
    func ourExtensionHandshake(torrent: TorrentRuntime?) -> ExtensionHandshake {
        var extensions = [ExtensionHandshake.Name.metadata: Self.metadataMessageID]
        if torrent.map({ !$0.info.isPrivate }) ?? true {
            extensions[ExtensionHandshake.Name.peerExchange] = Self.pexMessageID
        }
        return ExtensionHandshake(
            extensions: extensions, client: context.clientName,
            listenPort: UInt16(exactly: context.listeningPort), requestQueueLength: PeerSession.Limits().maxQueuedUploads,
            metadataSize: torrent.map { $0.info.rawInfo.count })
    }

    /// An extended message: the handshake (id 0) or one under the ids we gave.
    func receiveExtended(id: UInt8, payload: ByteBuffer, torrent: TorrentRuntime?) {
        let bytes = payload.getBytes(at: payload.readerIndex, length: payload.readableBytes) ?? []
        let mayExchangePeers = torrent.map { !$0.info.isPrivate } ?? true
        switch id {
        case 0:
            guard let handshake = try? ExtensionHandshake(decoding: bytes) else {
                return close(reason: "unreadable extension handshake")
            }
            peerExtensions = handshake
            if let client = handshake.client, !client.isEmpty { clientName = client }
            if handshake.messageID(for: ExtensionHandshake.Name.peerExchange) != nil, mayExchangePeers, pex == nil {
                pex = PexState(connectedAt: now)
            }
            if case .magnet(let magnet) = owner { magnet.peerSentExtensionHandshake(self, handshake) }
        case Self.metadataMessageID:
            let message: MetadataMessage
            do {
                message = try MetadataMessage(decoding: bytes)
            } catch {
                return close(reason: error.description)
            }
            if case .magnet(let magnet) = owner {
                magnet.peerSentMetadata(self, message)
            } else if let torrent {
                serveMetadata(message, rawInfo: torrent.info.rawInfo)
            }
        case Self.pexMessageID:
            guard mayExchangePeers else { return }  // private torrent: ignored
            guard let message = try? PexMessage(decoding: bytes) else {
                return close(reason: "unreadable peer-exchange message")
            }
            receivePex(message, torrent: torrent)
        default:
            break  // an id we never gave: ignored
        }
    }

    /// Answers a metadata request from the info dictionary we have.
    private func serveMetadata(_ message: MetadataMessage, rawInfo: [UInt8]) {
        guard case .request(let piece) = message else { return }
        guard piece < MetadataMessage.pieceCount(totalSize: rawInfo.count) else {
            return sendMetadata(.reject(piece: piece))
        }
        let start = piece * MetadataMessage.pieceSize
        let data = Array(rawInfo[start..<min(rawInfo.count, start + MetadataMessage.pieceSize)])
        sendMetadata(.data(piece: piece, totalSize: rawInfo.count, data: data))
    }

    /// Sends a `ut_metadata` message under the id the peer chose; nothing when it has none.
    func sendMetadata(_ message: MetadataMessage) {
        guard state == .active, let id = peerExtensions?.messageID(for: ExtensionHandshake.Name.metadata) else { return }
        sendExtended(id: id, payload: message.encoded())
    }

    private func sendExtended(id: UInt8, payload: [UInt8]) {
        send(.extended(id: id, payload: ByteBuffer(bytes: payload)))
        session?.noteSent(at: now)
        flush()
    }

    // MARK: - Peer exchange

    /// The address other peers can dial for this peer: where we dialled it, or its announced listen port.
    var dialableEndpoint: PeerEndpoint? {
        if direction == .outgoing { return endpoint }
        return peerExtensions?.listenPort.map { PeerEndpoint(host: endpoint.host, port: $0) }
    }

    private func receivePex(_ message: PexMessage, torrent: TorrentRuntime?) {
        if pex == nil { pex = PexState(connectedAt: now) }
        let endpoints = (pex?.accept(message, at: now) ?? []).filter { !context.isOwnAddress($0) }
        guard !endpoints.isEmpty else { return }
        let accepted = Set(endpoints)
        for peer in message.added where accepted.contains(peer.endpoint) {
            context.peerTransportHeard(peer.flags.contains(.supportsUTP) ? .utp : .tcp, for: peer.endpoint)
        }
        context.log.debug("\(endpoint) told us of \(endpoints.count) peers by PEX")
        switch owner {
        case .torrent(let torrent): torrent.addCandidates(endpoints, source: .pex)
        case .magnet(let magnet): magnet.peerSentPex(endpoints)
        case nil: break
        }
    }

    /// Sends the next PEX message when one is due; `current` are the torrent's peers.
    func exchangePeers(current: [PexMessage.Peer], mayExchange: Bool) {
        guard state == .active, mayExchange, pex != nil,
              let id = peerExtensions?.messageID(for: ExtensionHandshake.Name.peerExchange) else { return }
        let own = dialableEndpoint
        guard let message = pex?.nextMessage(current: current.filter { $0.endpoint != own }, at: now) else { return }
        sendExtended(id: id, payload: message.encoded())
    }
}
