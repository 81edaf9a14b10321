/// Decodes bencoded bytes with limits that keep hostile input from exhausting the stack or memory.
///
/// Strict where a lenient reading would change meaning (leading zeros, `-0`, duplicate keys,
/// truncated data, trailing bytes); lenient about dictionary key order, which real torrents break.
public struct BencodeDecoder: Sendable {
    /// Deepest nesting of lists and dictionaries accepted.
    public var maxDepth: Int
    /// Longest byte string accepted.
    public var maxStringLength: Int

    public init(maxDepth: Int = 64, maxStringLength: Int = 64 << 20) {
        self.maxDepth = maxDepth
        self.maxStringLength = maxStringLength
    }

    /// Decodes exactly one value that fills all of `bytes`.
    public func decode(_ bytes: [UInt8]) throws(BencodeError) -> BencodeValue {
        try decodeDocument(bytes).root
    }

    /// Decodes exactly one value and records where the top-level `info` dictionary lies in the input.
    public func decodeDocument(_ bytes: [UInt8]) throws(BencodeError) -> BencodeDocument {
        var parser = Parser(bytes: bytes, maxDepth: maxDepth, maxStringLength: maxStringLength)
        let root = try parser.parseValue(depth: 0, recordInfo: true)
        if parser.position != bytes.count {
            throw BencodeError(offset: parser.position, reason: .trailingData(count: bytes.count - parser.position))
        }
        return BencodeDocument(root: root, infoRange: parser.infoRange)
    }

    /// Decodes one value from the front of `bytes` and says how many bytes it used;
    /// for protocols that append raw data after a bencoded header (BEP 9).
    public func decodePrefix(_ bytes: ArraySlice<UInt8>) throws(BencodeError) -> (value: BencodeValue, length: Int) {
        let array = Array(bytes)
        var parser = Parser(bytes: array, maxDepth: maxDepth, maxStringLength: maxStringLength)
        let value = try parser.parseValue(depth: 0, recordInfo: false)
        return (value, parser.position)
    }
}

/// A decoded value plus the byte range of its top-level `info` value, if any.
public struct BencodeDocument: Sendable {
    public let root: BencodeValue
    /// Where the `info` value sits in the original bytes, so its hash is taken from them exactly.
    public let infoRange: Range<Int>?
}

// MARK: - Parser

private struct Parser {
    let bytes: [UInt8]
    let maxDepth: Int
    let maxStringLength: Int
    var position = 0
    var infoRange: Range<Int>?

    init(bytes: [UInt8], maxDepth: Int, maxStringLength: Int) {
        self.bytes = bytes
        self.maxDepth = maxDepth
        self.maxStringLength = maxStringLength
    }

    private func peek(expecting what: String) throws(BencodeError) -> UInt8 {
        guard position < bytes.count else { throw BencodeError(offset: position, reason: .unexpectedEnd(expected: what)) }
        return bytes[position]
    }

    mutating func parseValue(depth: Int, recordInfo: Bool) throws(BencodeError) -> BencodeValue {
        let byte = try peek(expecting: "a value")
        switch byte {
        case UInt8(ascii: "i"):
            return .integer(try parseInteger())
        case UInt8(ascii: "0")...UInt8(ascii: "9"):
            return .bytes(try parseString())
        case UInt8(ascii: "l"):
            guard depth < maxDepth else { throw BencodeError(offset: position, reason: .nestingTooDeep(limit: maxDepth)) }
            position += 1
            var items: [BencodeValue] = []
            while try peek(expecting: "a list element or 'e'") != UInt8(ascii: "e") {
                items.append(try parseValue(depth: depth + 1, recordInfo: false))
            }
            position += 1
            return .list(items)
        case UInt8(ascii: "d"):
            guard depth < maxDepth else { throw BencodeError(offset: position, reason: .nestingTooDeep(limit: maxDepth)) }
            position += 1
            var entries: [[UInt8]: BencodeValue] = [:]
            while true {
                let next = try peek(expecting: "a dictionary key or 'e'")
                if next == UInt8(ascii: "e") { break }
                guard next >= UInt8(ascii: "0") && next <= UInt8(ascii: "9") else {
                    throw BencodeError(offset: position, reason: .nonStringKey)
                }
                let keyOffset = position
                let key = try parseString()
                let valueStart = position
                let value = try parseValue(depth: depth + 1, recordInfo: false)
                if recordInfo && depth == 0 && key == Self.infoKey {
                    infoRange = valueStart..<position
                }
                if entries.updateValue(value, forKey: key) != nil {
                    throw BencodeError(offset: keyOffset, reason: .duplicateKey(key))
                }
            }
            position += 1
            return .dictionary(entries)
        default:
            throw BencodeError(offset: position, reason: .unexpectedByte(byte, expected: "'i', 'l', 'd' or a digit"))
        }
    }

    private static let infoKey: [UInt8] = Array("info".utf8)

    private mutating func parseInteger() throws(BencodeError) -> Int64 {
        position += 1  // 'i'
        var negative = false
        if try peek(expecting: "a digit or '-'") == UInt8(ascii: "-") {
            negative = true
            position += 1
        }
        let digitsStart = position
        var value: Int64 = 0
        while true {
            let byte = try peek(expecting: "a digit or 'e'")
            if byte == UInt8(ascii: "e") { break }
            guard byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") else {
                throw BencodeError(offset: position, reason: .unexpectedByte(byte, expected: "a digit or 'e'"))
            }
            if position > digitsStart && bytes[digitsStart] == UInt8(ascii: "0") {
                throw BencodeError(offset: digitsStart, reason: .leadingZero)
            }
            let digit = Int64(byte &- UInt8(ascii: "0"))
            let (times10, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = negative ? times10.subtractingReportingOverflow(digit) : times10.addingReportingOverflow(digit)
            if overflow1 || overflow2 { throw BencodeError(offset: digitsStart, reason: .integerOverflow) }
            value = sum
            position += 1
        }
        if position == digitsStart {
            throw BencodeError(offset: position, reason: .unexpectedByte(UInt8(ascii: "e"), expected: "a digit"))
        }
        if negative && value == 0 { throw BencodeError(offset: digitsStart - 1, reason: .negativeZero) }
        position += 1  // 'e'
        return value
    }

    private mutating func parseString() throws(BencodeError) -> [UInt8] {
        let start = position
        var length = 0
        while true {
            let byte = try peek(expecting: "a digit or ':'")
            if byte == UInt8(ascii: ":") { break }
            guard byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") else {
                throw BencodeError(offset: position, reason: .unexpectedByte(byte, expected: "a digit or ':'"))
            }
            if position > start && bytes[start] == UInt8(ascii: "0") {
                throw BencodeError(offset: start, reason: .leadingZero)
            }
            length = length * 10 + Int(byte &- UInt8(ascii: "0"))
            if length > maxStringLength {
                throw BencodeError(offset: start, reason: .stringTooLong(length, limit: maxStringLength))
            }
            position += 1
        }
        position += 1  // ':'
        guard bytes.count - position >= length else {
            throw BencodeError(offset: bytes.count, reason: .unexpectedEnd(expected: "\(length) string bytes starting at \(position)"))
        }
        let value = Array(bytes[position..<position + length])
        position += length
        return value
    }
}
