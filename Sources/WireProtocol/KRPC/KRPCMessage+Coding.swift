import Bencode
import TorrentCore

extension KRPCMessage {
    /// The most `values` entries read from one response; the rest are ignored.
    public static let maxValues = 200
    /// The most nodes read from one `nodes` or `nodes6` string.
    public static let maxNodes = 64

    /// Decodes one datagram. Hostile input throws a `KRPCError`; it never traps. When the
    /// message is a query with an unknown method, the error still carries the method name so
    /// the caller can answer 204 (see `transactionID(of:)`).
    public init(decoding bytes: [UInt8]) throws(KRPCError) {
        let root: BencodeValue
        do {
            root = try BencodeDecoder(maxDepth: 8, maxStringLength: 4096).decode(bytes)
        } catch {
            throw .notBencode(error.description)
        }
        guard root.dictionary != nil else { throw .notADictionary }
        guard let tid = root["t"]?.bytes else { throw .missingField("t") }
        guard let type = root["y"]?.text else { throw .missingField("y") }
        transactionID = tid
        clientVersion = root["v"]?.bytes
        observedAddress = root["ip"]?.bytes.flatMap(CompactPeerValue.decode)
        switch type {
        case "q":
            body = .query(try Self.decodeQuery(root))
        case "r":
            guard let reply = root["r"], reply.dictionary != nil else { throw .missingField("r") }
            body = .response(try Self.decodeResponse(reply))
        case "e":
            guard let list = root["e"]?.list, list.count >= 2,
                  let code = list[0].integer, let message = list[1].bytes else {
                throw .badField("e", "not a [code, message] list")
            }
            body = .error(code: Int(clamping: code), message: String(decoding: message, as: UTF8.self))
        default:
            throw .unknownMessageType(type)
        }
    }

    /// The transaction id of a datagram that may not decode fully, to address an error reply.
    public static func transactionID(of bytes: [UInt8]) -> [UInt8]? {
        guard let root = try? BencodeDecoder(maxDepth: 8, maxStringLength: 4096).decode(bytes),
              let tid = root["t"]?.bytes, tid.count <= 32 else { return nil }
        return tid
    }

    private static func nodeID(_ value: BencodeValue?, _ key: String) throws(KRPCError) -> NodeID {
        guard let value else { throw .missingField(key) }
        guard let bytes = value.bytes, let id = NodeID(bytes: bytes) else { throw .badField(key, "not 20 bytes") }
        return id
    }

    private static func infoHash(_ value: BencodeValue?) throws(KRPCError) -> InfoHash {
        guard let value else { throw .missingField("info_hash") }
        guard let bytes = value.bytes, let hash = InfoHash(bytes: bytes) else {
            throw .badField("info_hash", "not 20 bytes")
        }
        return hash
    }

    private static func families(_ value: BencodeValue?) -> NodeFamilies {
        var out: NodeFamilies = []
        for item in value?.list ?? [] {
            switch item.text {
            case "n4": out.insert(.ipv4)
            case "n6": out.insert(.ipv6)
            default: break
            }
        }
        return out
    }

    private static func decodeQuery(_ root: BencodeValue) throws(KRPCError) -> KRPCQuery {
        guard let method = root["q"]?.text else { throw .missingField("q") }
        guard let arguments = root["a"], arguments.dictionary != nil else { throw .missingField("a") }
        let id = try nodeID(arguments["id"], "id")
        switch method {
        case "ping":
            return .ping(id: id)
        case "find_node":
            return .findNode(id: id, target: try nodeID(arguments["target"], "target"), want: families(arguments["want"]))
        case "get_peers":
            return .getPeers(id: id, infoHash: try infoHash(arguments["info_hash"]), want: families(arguments["want"]))
        case "announce_peer":
            let hash = try infoHash(arguments["info_hash"])
            guard let token = arguments["token"]?.bytes else { throw .missingField("token") }
            let implied = (arguments["implied_port"]?.integer ?? 0) != 0
            let rawPort = arguments["port"]?.integer
            guard implied || rawPort != nil else { throw .missingField("port") }
            let port = UInt16(exactly: rawPort ?? 0)
            guard let port, implied || port != 0 else { throw .badField("port", "not a TCP port") }
            return .announcePeer(id: id, infoHash: hash, port: port, impliedPort: implied, token: token)
        default:
            throw .unknownMethod(method)
        }
    }

    private static func decodeResponse(_ reply: BencodeValue) throws(KRPCError) -> KRPCResponse {
        var response = KRPCResponse(id: try nodeID(reply["id"], "id"))
        if let nodes = reply["nodes"] {
            guard let bytes = nodes.bytes else { throw .badField("nodes", "not a string") }
            response.nodes = Array(try CompactNode.decodeList(bytes, family: .ipv4).prefix(maxNodes))
        }
        if let nodes6 = reply["nodes6"] {
            guard let bytes = nodes6.bytes else { throw .badField("nodes6", "not a string") }
            response.nodes6 = Array(try CompactNode.decodeList(bytes, family: .ipv6).prefix(maxNodes))
        }
        if let values = reply["values"] {
            guard let list = values.list else { throw .badField("values", "not a list") }
            response.values = list.prefix(maxValues).compactMap { $0.bytes.flatMap(CompactPeerValue.decode) }
        }
        if let token = reply["token"] {
            guard let bytes = token.bytes else { throw .badField("token", "not a string") }
            response.token = bytes
        }
        return response
    }

    // MARK: - Encoding

    /// The bencoded datagram.
    public func encoded() -> [UInt8] {
        var root: [String: BencodeValue] = ["t": .bytes(transactionID)]
        if let clientVersion { root["v"] = .bytes(clientVersion) }
        if let observedAddress, let compact = CompactPeerValue.encode(observedAddress) { root["ip"] = .bytes(compact) }
        switch body {
        case .query(let query):
            root["y"] = .string("q")
            root["q"] = .string(query.method)
            root["a"] = .dict(Self.arguments(of: query))
        case .response(let response):
            root["y"] = .string("r")
            var reply: [String: BencodeValue] = ["id": .bytes(response.id.bytes)]
            if !response.nodes.isEmpty { reply["nodes"] = .bytes(CompactNode.encodeList(response.nodes, family: .ipv4)) }
            if !response.nodes6.isEmpty {
                reply["nodes6"] = .bytes(CompactNode.encodeList(response.nodes6, family: .ipv6))
            }
            if !response.values.isEmpty {
                reply["values"] = .list(response.values.compactMap { CompactPeerValue.encode($0).map(BencodeValue.bytes) })
            }
            if let token = response.token { reply["token"] = .bytes(token) }
            root["r"] = .dict(reply)
        case .error(let code, let message):
            root["y"] = .string("e")
            root["e"] = .list([.integer(Int64(code)), .string(message)])
        }
        return BencodeValue.dict(root).encoded()
    }

    private static func arguments(of query: KRPCQuery) -> [String: BencodeValue] {
        func want(_ families: NodeFamilies) -> BencodeValue? {
            var list: [BencodeValue] = []
            if families.contains(.ipv4) { list.append(.string("n4")) }
            if families.contains(.ipv6) { list.append(.string("n6")) }
            return list.isEmpty ? nil : .list(list)
        }
        switch query {
        case .ping(let id):
            return ["id": .bytes(id.bytes)]
        case .findNode(let id, let target, let families):
            var out: [String: BencodeValue] = ["id": .bytes(id.bytes), "target": .bytes(target.bytes)]
            out["want"] = want(families)
            return out
        case .getPeers(let id, let hash, let families):
            var out: [String: BencodeValue] = ["id": .bytes(id.bytes), "info_hash": .bytes(hash.bytes)]
            out["want"] = want(families)
            return out
        case .announcePeer(let id, let hash, let port, let implied, let token):
            return ["id": .bytes(id.bytes), "info_hash": .bytes(hash.bytes), "port": .integer(Int64(port)),
                    "implied_port": .integer(implied ? 1 : 0), "token": .bytes(token)]
        }
    }
}
