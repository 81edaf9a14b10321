import Foundation

/// Typed reads of one JSON object from `JSONSerialization`, tolerant of how numbers are boxed.
/// A missing or mistyped key reads as nil: the caller decides what unknown means.
struct JSONObject {
    let raw: [String: Any]

    init(_ raw: [String: Any]) { self.raw = raw }

    func int(_ key: String) -> Int? {
        switch raw[key] {
        case let value as Int: value
        case let value as Double where value.isFinite && abs(value) < 9e18: Int(value)
        case let value as NSNumber: value.intValue
        default: nil
        }
    }

    func double(_ key: String) -> Double? {
        switch raw[key] {
        case let value as Double: value
        case let value as Int: Double(value)
        case let value as NSNumber: value.doubleValue
        default: nil
        }
    }

    func bool(_ key: String) -> Bool? {
        switch raw[key] {
        case let value as Bool: value
        case let value as NSNumber: value.intValue != 0
        default: nil
        }
    }

    func string(_ key: String) -> String? { raw[key] as? String }

    func object(_ key: String) -> JSONObject? { (raw[key] as? [String: Any]).map(JSONObject.init) }

    func objects(_ key: String) -> [JSONObject] {
        (raw[key] as? [Any] ?? []).compactMap { ($0 as? [String: Any]).map(JSONObject.init) }
    }

    func strings(_ key: String) -> [String]? { (raw[key] as? [Any])?.compactMap { $0 as? String } }

    /// A base64 field (Transmission's `pieces`), tolerant of missing padding.
    func base64(_ key: String) -> [UInt8]? {
        guard var text = string(key) else { return nil }
        text = text.filter { !$0.isWhitespace }
        while text.count % 4 != 0 { text += "=" }
        return Data(base64Encoded: text).map { Array($0) }
    }
}
