internal import NIOCore
import SwarmLogic
import TorrentCore
import WireProtocol

/// The BEP 10 extensions a connection speaks: `ut_metadata` (BEP 9: serving our info dictionary,
/// or fetching it for a magnet) and `ut_pex` (BEP 11, not on private torrents).
extension PeerConnection {
    /// The ids under which we want to receive each extension's messages.
    static let metadataMessageID: UInt8 = 3
    static let pexMessageID: UInt8 = 1

    /// Peer exchange is off for private torrents (BEP 27); a magnet does not know yet and takes it.
    var mayExchangePeers: Bool { torrent.map { !$0.info.isPrivate } ?? true }

    /// Our extension handshake: the extensions we speak and, when we have it, the metadata size.
    func ourExtensionHandshake() -> ExtensionHandshake {
        var extensions = [ExtensionHandshake.Name.metadata: Self.metadataMessageID]
        if mayExchangePeers { extensions[ExtensionHandshake.Name.peerExchange] = Self.pexMessageID }
        return ExtensionHandshake(
            extensions: extensions, client: core.configuration.clientName,
            listenPort: UInt16(exactly: core.listeningPort), requestQueueLength: 500,
            metadataSize: torrent.map { $0.info.rawInfo.count })
    }

    /// The rest of the handshake for a magnet torrent: no bitfield (we have nothing), just the
    /// extension handshake that asks for the metadata.
    func startFetchingMetadata(_ handshake: PeerHandshake) {
        guard let magnet else { return close(reason: "no torrent") }
        remotePeerID = handshake.peerID
        supportsFast = handshake.supportsFastExtension
        supportsExtensions = handshake.supportsExtensionProtocol
        clientName = handshake.peerID.clientName
        guard supportsExtensions else { return close(reason: "it cannot send metadata (no extension protocol)") }
        guard magnet.attach(self) else { return close(reason: "the magnet refused the peer") }
        state = .active
        send(ourExtensionHandshake().message)
        if supportsFast { send(.haveNone) }
        flush()
    }

    /// An extended message: the handshake (id 0) or one under the ids we gave.
    func receiveExtended(id: UInt8, payload: ByteBuffer) {
        let bytes = payload.getBytes(at: payload.readerIndex, length: payload.readableBytes) ?? []
        switch id {
        case 0:
            guard let handshake = try? ExtensionHandshake(decoding: bytes) else {
                return close(reason: "unreadable extension handshake")
            }
            peerExtensions = handshake
            if let client = handshake.client, !client.isEmpty { clientName = client }
            if handshake.messageID(for: ExtensionHandshake.Name.peerExchange) != nil, mayExchangePeers, pex == nil {
                pex = PexState(connectedAt: core.now)
            }
            magnet?.peerSentExtensionHandshake(self, handshake)
        case Self.metadataMessageID:
            let message: MetadataMessage
            do {
                message = try MetadataMessage(decoding: bytes)
            } catch {
                return close(reason: error.description)
            }
            if let magnet {
                magnet.peerSentMetadata(self, message)
            } else {
                serveMetadata(message)
            }
        case Self.pexMessageID:
            guard mayExchangePeers else { return }  // private torrent: ignored
            guard let message = try? PexMessage(decoding: bytes) else {
                return close(reason: "unreadable peer-exchange message")
            }
            receivePex(message)
        default:
            break  // an id we never gave: ignored
        }
    }

    /// Answers a metadata request from the info dictionary we have.
    private func serveMetadata(_ message: MetadataMessage) {
        guard case .request(let piece) = message else { return }
        guard let rawInfo = torrent?.info.rawInfo, piece < MetadataMessage.pieceCount(totalSize: rawInfo.count) else {
            return sendMetadata(.reject(piece: piece))
        }
        let start = piece * MetadataMessage.pieceSize
        let data = Array(rawInfo[start..<min(rawInfo.count, start + MetadataMessage.pieceSize)])
        sendMetadata(.data(piece: piece, totalSize: rawInfo.count, data: data))
    }

    /// Sends a `ut_metadata` message under the id the peer chose; nothing when it has none.
    func sendMetadata(_ message: MetadataMessage) {
        guard state == .active, let id = peerExtensions?.messageID(for: ExtensionHandshake.Name.metadata) else { return }
        send(.extended(id: id, payload: ByteBuffer(bytes: message.encoded())))
        flush()
    }

    // MARK: - Peer exchange

    /// The address other peers can dial for this peer: where we dialled it, or its announced listen port.
    var dialableEndpoint: PeerEndpoint? {
        if direction == .outgoing { return endpoint }
        return peerExtensions?.listenPort.map { PeerEndpoint(host: endpoint.host, port: $0) }
    }

    private func receivePex(_ message: PexMessage) {
        if pex == nil { pex = PexState(connectedAt: core.now) }
        let endpoints = (pex?.accept(message, at: core.now) ?? []).filter { !core.isOwnAddress($0) }
        guard !endpoints.isEmpty else { return }
        core.log.debug("\(endpoint) told us of \(endpoints.count) peers by PEX")
        torrent?.addCandidates(endpoints, source: .pex)
        magnet?.peerSentPex(endpoints)
    }

    /// Sends the next PEX message when one is due; `current` are the torrent's peers.
    func exchangePeers(current: [PexMessage.Peer]) {
        guard state == .active, mayExchangePeers, pex != nil,
              let id = peerExtensions?.messageID(for: ExtensionHandshake.Name.peerExchange) else { return }
        let own = dialableEndpoint
        guard let message = pex?.nextMessage(current: current.filter { $0.endpoint != own }, at: core.now) else { return }
        send(.extended(id: id, payload: ByteBuffer(bytes: message.encoded())))
        flush()
    }
}
