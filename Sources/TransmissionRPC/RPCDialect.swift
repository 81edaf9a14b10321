/// The two spellings of the Transmission RPC: the bespoke protocol of RPC version 17 (kebab-case
/// methods and session keys, camelCase torrent fields; `arguments`, `result`, `tag`) and the
/// JSON-RPC 2.0 protocol of Transmission 4.1 (snake_case everywhere; `params`, `result`, `error`,
/// `id`). Requests are read in either; the answer uses the request's own.
enum RPCDialect {
    case legacy
    case jsonRPC

    /// `torrent_get` → `torrent-get`: method names are looked up in the legacy spelling.
    static func legacyMethod(_ name: String) -> String {
        name.replacingOccurrences(of: "_", with: "-")
    }

    /// A key as this dialect spells it: `percentDone` and `download-dir` become `percent_done` and
    /// `download_dir` in JSON-RPC; the legacy dialect keeps them.
    func spell(_ key: String) -> String {
        switch self {
        case .legacy: key
        case .jsonRPC: Self.snakeCase(key)
        }
    }

    static func snakeCase(_ key: String) -> String {
        var out = ""
        out.reserveCapacity(key.count + 4)
        for character in key {
            if character == "-" {
                out.append("_")
            } else if character.isUppercase {
                out.append("_")
                out.append(contentsOf: character.lowercased())
            } else {
                out.append(character)
            }
        }
        return out
    }

    /// Rewrites every key of a response value (objects inside arrays included) into this dialect.
    func respell(_ value: Any) -> Any {
        guard self == .jsonRPC else { return value }
        if let object = value as? [String: Any] {
            var out: [String: Any] = [:]
            for (key, inner) in object { out[spell(key)] = respell(inner) }
            return out
        }
        if let list = value as? [Any] { return list.map(respell) }
        return value
    }
}

/// A request's arguments, read by the legacy key name whichever dialect sent them.
struct RPCArguments {
    private let values: [String: Any]

    init(_ values: [String: Any]) {
        var normalized: [String: Any] = [:]
        for (key, value) in values { normalized[RPCDialect.snakeCase(key)] = value }
        self.values = normalized
    }

    subscript(_ key: String) -> Any? { values[RPCDialect.snakeCase(key)] }

    func has(_ key: String) -> Bool { self[key] != nil }

    var keys: [String] { Array(values.keys) }

    func int(_ key: String) throws(RPCError) -> Int? {
        guard let value = self[key] else { return nil }
        guard let number = RPCValue.int(value) else { throw .argument("'\(key)' must be a number") }
        return number
    }

    func double(_ key: String) throws(RPCError) -> Double? {
        guard let value = self[key] else { return nil }
        guard let number = RPCValue.double(value) else { throw .argument("'\(key)' must be a number") }
        return number
    }

    func bool(_ key: String) throws(RPCError) -> Bool? {
        guard let value = self[key] else { return nil }
        guard let flag = RPCValue.bool(value) else { throw .argument("'\(key)' must be true or false") }
        return flag
    }

    func string(_ key: String) throws(RPCError) -> String? {
        guard let value = self[key] else { return nil }
        guard let text = value as? String else { throw .argument("'\(key)' must be a string") }
        return text
    }

    func ints(_ key: String) throws(RPCError) -> [Int]? {
        guard let value = self[key] else { return nil }
        guard let list = RPCValue.ints(value) else { throw .argument("'\(key)' must be a list of numbers") }
        return list
    }

    func strings(_ key: String) throws(RPCError) -> [String]? {
        guard let value = self[key] else { return nil }
        guard let list = RPCValue.strings(value) else { throw .argument("'\(key)' must be a list of strings") }
        return list
    }
}
