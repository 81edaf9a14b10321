import Bencode
import TorrentCore

/// One KRPC message of the Mainline DHT (BEP 5, with BEP 32's `nodes6` and `want`): a query, a
/// response, or an error, tagged with the transaction id that pairs a response to its query.
public struct KRPCMessage: Hashable, Sendable {
    public var transactionID: [UInt8]
    public var body: Body
    /// The sender's client and version (`v`), when given.
    public var clientVersion: [UInt8]?
    /// Our address as the sender saw it (`ip`, BEP 42), when given.
    public var observedAddress: PeerEndpoint?

    public enum Body: Hashable, Sendable {
        case query(KRPCQuery)
        case response(KRPCResponse)
        case error(code: Int, message: String)
    }

    public init(transactionID: [UInt8], body: Body, clientVersion: [UInt8]? = nil,
                observedAddress: PeerEndpoint? = nil) {
        self.transactionID = transactionID
        self.body = body
        self.clientVersion = clientVersion
        self.observedAddress = observedAddress
    }
}

/// Which address families a querier wants nodes for (BEP 32 `want`).
public struct NodeFamilies: OptionSet, Hashable, Sendable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let ipv4 = NodeFamilies(rawValue: 1)
    public static let ipv6 = NodeFamilies(rawValue: 2)
}

/// A DHT query; `id` is always the querying node's id.
public enum KRPCQuery: Hashable, Sendable {
    case ping(id: NodeID)
    /// `want` is empty when the query did not say (answer in the family the query came from).
    case findNode(id: NodeID, target: NodeID, want: NodeFamilies)
    case getPeers(id: NodeID, infoHash: InfoHash, want: NodeFamilies)
    /// With `impliedPort`, the peer's port is the UDP source port of the query, not `port`.
    case announcePeer(id: NodeID, infoHash: InfoHash, port: UInt16, impliedPort: Bool, token: [UInt8])

    /// The method name on the wire.
    public var method: String {
        switch self {
        case .ping: "ping"
        case .findNode: "find_node"
        case .getPeers: "get_peers"
        case .announcePeer: "announce_peer"
        }
    }

    /// The querying node's id.
    public var senderID: NodeID {
        switch self {
        case .ping(let id), .findNode(let id, _, _), .getPeers(let id, _, _), .announcePeer(let id, _, _, _, _): id
        }
    }
}

/// The answer to any query: which kind it answers is known only from the transaction id, so
/// every optional part is kept.
public struct KRPCResponse: Hashable, Sendable {
    /// The answering node's id.
    public var id: NodeID
    /// Close nodes (find_node, get_peers), IPv4 and IPv6.
    public var nodes: [CompactNode]
    public var nodes6: [CompactNode]
    /// Peers for the info-hash (get_peers).
    public var values: [PeerEndpoint]
    /// The write token to send back in announce_peer (get_peers).
    public var token: [UInt8]?

    public init(id: NodeID, nodes: [CompactNode] = [], nodes6: [CompactNode] = [], values: [PeerEndpoint] = [],
                token: [UInt8]? = nil) {
        self.id = id
        self.nodes = nodes
        self.nodes6 = nodes6
        self.values = values
        self.token = token
    }
}

/// KRPC error codes (BEP 5).
public enum KRPCErrorCode {
    public static let generic = 201
    public static let server = 202
    public static let protocolError = 203
    public static let methodUnknown = 204
}
