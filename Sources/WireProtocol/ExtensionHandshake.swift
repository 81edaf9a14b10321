import Bencode
import NIOCore

/// The BEP 10 extension handshake: the bencoded dictionary sent as extended message 0.
///
/// Decoding is forgiving about fields (a bad or hostile value is dropped or bounded, unknown keys
/// are ignored) and strict only about the envelope: the payload must be one bencoded dictionary.
public struct ExtensionHandshake: Hashable, Sendable {
    /// Names of the extensions rill speaks.
    public enum Name {
        public static let metadata = "ut_metadata"
        public static let peerExchange = "ut_pex"
    }

    /// The largest `reqq` believed; bigger claims are lowered to it.
    public static let maxRequestQueueLength = 2000
    /// The largest `metadata_size` believed (the same bound libtorrent applies); bigger is dropped.
    public static let maxMetadataSize = 32 << 20

    /// `m`: extension name → the message id the sender wants to receive it under; 0 means disabled.
    public var extensions: [String: UInt8]
    /// `v`: the client's name and version.
    public var client: String?
    /// `p`: the sender's listen port.
    public var listenPort: UInt16?
    /// `reqq`: how many outstanding requests the sender queues.
    public var requestQueueLength: Int?
    /// `yourip`: our address as the sender sees it, 4 (IPv4) or 16 (IPv6) bytes.
    public var yourIP: [UInt8]?
    /// `metadata_size`: length of the info dictionary (BEP 9).
    public var metadataSize: Int?

    public init(
        extensions: [String: UInt8] = [:], client: String? = nil, listenPort: UInt16? = nil,
        requestQueueLength: Int? = nil, yourIP: [UInt8]? = nil, metadataSize: Int? = nil
    ) {
        self.extensions = extensions
        self.client = client
        self.listenPort = listenPort
        self.requestQueueLength = requestQueueLength
        self.yourIP = yourIP
        self.metadataSize = metadataSize
    }

    /// The id under which the sender wants messages of extension `name`; nil when absent or disabled.
    public func messageID(for name: String) -> UInt8? {
        guard let id = extensions[name], id != 0 else { return nil }
        return id
    }

    // MARK: - Encoding

    /// The bencoded dictionary (the payload after the extended id byte).
    public func encoded() -> [UInt8] {
        var entries: [String: BencodeValue] = [
            "m": .dict(extensions.mapValues { .integer(Int64($0)) })
        ]
        if let client { entries["v"] = .string(client) }
        if let listenPort { entries["p"] = .integer(Int64(listenPort)) }
        if let requestQueueLength { entries["reqq"] = .integer(Int64(requestQueueLength)) }
        if let yourIP { entries["yourip"] = .bytes(yourIP) }
        if let metadataSize { entries["metadata_size"] = .integer(Int64(metadataSize)) }
        return BencodeValue.dict(entries).encoded()
    }

    /// The whole `extended` message, id 0.
    public var message: PeerMessage {
        .extended(id: 0, payload: ByteBuffer(bytes: encoded()))
    }

    // MARK: - Decoding

    /// Reads the dictionary from an extended message's payload.
    public init(decoding payload: ByteBuffer) throws(ExtensionHandshakeError) {
        try self.init(decoding: payload.getBytes(at: payload.readerIndex, length: payload.readableBytes) ?? [])
    }

    /// Reads the dictionary from raw bytes.
    public init(decoding bytes: [UInt8]) throws(ExtensionHandshakeError) {
        let root: BencodeValue
        do {
            root = try BencodeDecoder(maxDepth: 16, maxStringLength: bytes.count).decode(bytes)
        } catch {
            throw .invalidBencode(error)
        }
        guard root.dictionary != nil else { throw .notADictionary }

        var extensions: [String: UInt8] = [:]
        for (key, value) in root["m"]?.dictionary ?? [:] {
            guard let name = String(validating: key, as: UTF8.self),
                  let id = value.integer, let byte = UInt8(exactly: id)
            else { continue }
            extensions[name] = byte
        }
        self.extensions = extensions
        self.client = root["v"]?.bytes.map { String(decoding: $0.prefix(100), as: UTF8.self) }
        self.listenPort = root["p"]?.integer.flatMap { UInt16(exactly: $0) }.flatMap { $0 == 0 ? nil : $0 }
        self.requestQueueLength = root["reqq"]?.integer.flatMap { value in
            value > 0 ? Int(min(value, Int64(Self.maxRequestQueueLength))) : nil
        }
        self.yourIP = root["yourip"]?.bytes.flatMap { $0.count == 4 || $0.count == 16 ? $0 : nil }
        self.metadataSize = root["metadata_size"]?.integer.flatMap { value in
            value > 0 && value <= Int64(Self.maxMetadataSize) ? Int(value) : nil
        }
    }
}

/// Why an extension handshake could not be read at all.
public enum ExtensionHandshakeError: Error, Equatable, Sendable, CustomStringConvertible {
    case invalidBencode(BencodeError)
    case notADictionary

    public var description: String {
        switch self {
        case .invalidBencode(let error): "peer sent an unreadable extension handshake: \(error)"
        case .notADictionary: "peer sent an extension handshake that is not a dictionary"
        }
    }
}
