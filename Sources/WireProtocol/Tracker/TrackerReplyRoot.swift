import Bencode

/// The top of an HTTP tracker reply (announce or scrape): a bencoded dictionary, unless the
/// tracker refused us with a `failure reason`, which is thrown as `TrackerReplyError.failure`.
enum TrackerReplyRoot {
    static func decode(_ bytes: [UInt8]) throws(TrackerReplyError) -> BencodeValue {
        let root: BencodeValue
        do {
            root = try BencodeDecoder(maxDepth: 8, maxStringLength: 4 << 20).decode(bytes)
        } catch {
            throw .notBencode(error)
        }
        guard case .dictionary = root else { throw .notADictionary }
        if let failure = root["failure reason"] {
            guard let reason = failure.bytes else { throw .wrongFieldType(field: "failure reason", expected: "a string") }
            throw .failure(reason: TrackerReplyError.displayText(reason))
        }
        return root
    }
}
