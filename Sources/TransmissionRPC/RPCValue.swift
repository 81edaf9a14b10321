import Foundation

/// Typed reads of the loosely typed values `JSONSerialization` gives, as RPC clients send them:
/// numbers may come as integers, doubles or numeric strings, booleans as `true` or `0`/`1`.
enum RPCValue {
    static func int(_ value: Any?) -> Int? {
        switch value {
        case let number as Int: return number
        case let number as Double: return number.isFinite && abs(number) < 9e18 ? Int(number) : nil
        case let number as NSNumber: return number.intValue
        case let text as String: return Int(text)
        default: return nil
        }
    }

    static func double(_ value: Any?) -> Double? {
        switch value {
        case let number as Double: return number
        case let number as Int: return Double(number)
        case let number as NSNumber: return number.doubleValue
        case let text as String: return Double(text)
        default: return nil
        }
    }

    static func bool(_ value: Any?) -> Bool? {
        switch value {
        case let flag as Bool: return flag
        case let number as Int: return number != 0
        case let number as NSNumber: return number.intValue != 0
        case let text as String: return ["true", "1", "yes"].contains(text.lowercased()) ? true
            : ["false", "0", "no"].contains(text.lowercased()) ? false : nil
        default: return nil
        }
    }

    static func string(_ value: Any?) -> String? { value as? String }

    /// A list of integers (file indices); a single number counts as a list of one.
    static func ints(_ value: Any?) -> [Int]? {
        if let list = value as? [Any] {
            let numbers = list.compactMap(int)
            return numbers.count == list.count ? numbers : nil
        }
        return int(value).map { [$0] }
    }

    static func strings(_ value: Any?) -> [String]? {
        if let list = value as? [Any] {
            let texts = list.compactMap { $0 as? String }
            return texts.count == list.count ? texts : nil
        }
        return (value as? String).map { [$0] }
    }
}
