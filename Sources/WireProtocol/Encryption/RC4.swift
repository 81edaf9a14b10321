/// The RC4 stream cipher, as Message Stream Encryption uses it (BEP 8 era MSE/PE): weak by
/// today's standards, but it is what every client speaks to obfuscate traffic.
public struct RC4: Sendable {
    private var state: [UInt8]
    private var i: UInt8 = 0
    private var j: UInt8 = 0

    public init(key: [UInt8]) {
        precondition(!key.isEmpty, "RC4 needs a key")
        state = (0...255).map { UInt8($0) }
        var j: UInt8 = 0
        for i in 0..<256 {
            j = j &+ state[i] &+ key[i % key.count]
            state.swapAt(i, Int(j))
        }
    }

    /// Encrypts or decrypts (the same operation) `bytes` in place.
    public mutating func apply(_ bytes: inout [UInt8]) {
        bytes.withUnsafeMutableBufferPointer { apply($0) }
    }

    public mutating func apply(_ bytes: UnsafeMutableBufferPointer<UInt8>) {
        state.withUnsafeMutableBufferPointer { s in
            var i = self.i
            var j = self.j
            for index in bytes.indices {
                i = i &+ 1
                let si = s[Int(i)]
                j = j &+ si
                let sj = s[Int(j)]
                s[Int(i)] = sj
                s[Int(j)] = si
                bytes[index] ^= s[Int(si &+ sj)]
            }
            self.i = i
            self.j = j
        }
    }

    /// Advances the key stream by `count` bytes (MSE drops the first 1024).
    public mutating func discard(_ count: Int) {
        var scratch = [UInt8](repeating: 0, count: count)
        apply(&scratch)
    }

    /// `bytes` run through the cipher, leaving `self` unchanged.
    public func peek(_ bytes: [UInt8]) -> [UInt8] {
        var copy = self
        var out = bytes
        copy.apply(&out)
        return out
    }
}
