/// The fuzzer's bytes, read front to back as the choices a structured target makes.
///
/// Reading past the end yields zeros and empty arrays rather than failing, so every input is a
/// valid program: libFuzzer's mutations then change choices instead of being thrown away.
public struct FuzzInput {
    public let bytes: [UInt8]
    public private(set) var position = 0

    public init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// Copies libFuzzer's buffer.
    public init(_ start: UnsafeRawPointer, _ count: Int) {
        self.bytes = count == 0 ? [] : Array(UnsafeRawBufferPointer(start: start, count: count))
    }

    public var isAtEnd: Bool { position >= bytes.count }
    public var remaining: Int { max(0, bytes.count - position) }

    public mutating func byte() -> UInt8 {
        guard position < bytes.count else { return 0 }
        defer { position += 1 }
        return bytes[position]
    }

    public mutating func bool() -> Bool { byte() & 1 == 1 }

    /// A big-endian 16-bit number.
    public mutating func uint16() -> UInt16 { UInt16(byte()) << 8 | UInt16(byte()) }

    /// A big-endian 32-bit number.
    public mutating func uint32() -> UInt32 { UInt32(uint16()) << 16 | UInt32(uint16()) }

    /// A number in `0..<bound` (0 when `bound` is 0), from one or two bytes as the bound needs.
    public mutating func index(below bound: Int) -> Int {
        guard bound > 0 else { return 0 }
        let raw = bound <= 256 ? Int(byte()) : Int(uint16())
        return raw % bound
    }

    /// Up to `count` bytes (fewer at the end of the input).
    public mutating func take(_ count: Int) -> [UInt8] {
        let end = min(bytes.count, position + max(0, count))
        defer { position = end }
        return position < end ? Array(bytes[position..<end]) : []
    }

    /// A length-prefixed chunk: one byte of length (0–255), then that many bytes.
    public mutating func chunk() -> [UInt8] { take(Int(byte())) }

    /// Everything not read yet.
    public mutating func rest() -> [UInt8] { take(remaining) }
}

/// Stops the run with `message` when an invariant does not hold: libFuzzer records the input as
/// a crash, exactly like a trap inside the library.
public func expect(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String,
                   file: StaticString = #fileID, line: UInt = #line) {
    if !condition() {
        fatalError("fuzz invariant failed: \(message())", file: file, line: line)
    }
}

/// The input split into pieces whose sizes come from `sizes` (cycled; 0 counts as 1), the way a
/// socket may deliver a stream: the same bytes must decode the same whatever the split.
public func split(_ bytes: [UInt8], sizes: [UInt8]) -> [[UInt8]] {
    guard !sizes.isEmpty else { return bytes.isEmpty ? [] : [bytes] }
    var out: [[UInt8]] = []
    var start = 0
    var turn = 0
    while start < bytes.count {
        let size = max(1, Int(sizes[turn % sizes.count]))
        let end = min(bytes.count, start + size)
        out.append(Array(bytes[start..<end]))
        start = end
        turn += 1
    }
    return out
}
