/// Arithmetic modulo a fixed odd number, for the Diffie-Hellman exchange of MSE: Montgomery
/// multiplication on 64-bit limbs (least significant first).
struct MontgomeryModulus: Sendable {
    let limbs: [UInt64]
    private let inverse: UInt64       // -modulus⁻¹ mod 2⁶⁴
    private let rSquared: [UInt64]    // R² mod modulus, R = 2^(64·count)

    /// `bigEndian` must be odd and have no leading zero bytes beyond whole limbs.
    init(bigEndian: [UInt8]) {
        limbs = Self.limbs(fromBigEndian: bigEndian, count: (bigEndian.count + 7) / 8)
        var inv: UInt64 = 1
        for _ in 0..<6 { inv = inv &* (2 &- limbs[0] &* inv) }
        inverse = 0 &- inv
        var x = [UInt64](repeating: 0, count: limbs.count)
        x[0] = 1
        for _ in 0..<(128 * limbs.count) { x = Self.doubled(x, modulo: limbs) }
        rSquared = x
    }

    var byteCount: Int { limbs.count * 8 }

    /// `base` ^ `exponent` mod the modulus; both big-endian, `base` below the modulus.
    func power(_ base: [UInt8], _ exponent: [UInt8]) -> [UInt8] {
        let n = limbs.count
        let b = multiply(Self.limbs(fromBigEndian: base, count: n), rSquared)
        var one = [UInt64](repeating: 0, count: n)
        one[0] = 1
        var result = multiply(one, rSquared)
        for byte in exponent {
            for bit in (0..<8).reversed() {
                result = multiply(result, result)
                if byte >> UInt8(bit) & 1 == 1 { result = multiply(result, b) }
            }
        }
        return Self.bigEndian(multiply(result, one))
    }

    /// True when big-endian `value` is below the modulus.
    func isBelow(_ value: [UInt8]) -> Bool {
        Self.compare(Self.limbs(fromBigEndian: value, count: limbs.count), limbs) < 0 && value.count <= byteCount
    }

    // MARK: - Montgomery product

    /// a·b·R⁻¹ mod m, for a, b < m.
    private func multiply(_ a: [UInt64], _ b: [UInt64]) -> [UInt64] {
        let n = limbs.count
        var t = [UInt64](repeating: 0, count: n + 2)
        for i in 0..<n {
            var carry: UInt64 = 0
            for j in 0..<n {
                let (hi, lo) = a[j].multipliedFullWidth(by: b[i])
                let (s1, c1) = t[j].addingReportingOverflow(lo)
                let (s2, c2) = s1.addingReportingOverflow(carry)
                t[j] = s2
                carry = hi &+ (c1 ? 1 : 0) &+ (c2 ? 1 : 0)
            }
            let (top, overflow) = t[n].addingReportingOverflow(carry)
            t[n] = top
            t[n + 1] &+= overflow ? 1 : 0

            let m = t[0] &* inverse
            let (hi0, lo0) = m.multipliedFullWidth(by: limbs[0])
            let (_, c0) = t[0].addingReportingOverflow(lo0)
            carry = hi0 &+ (c0 ? 1 : 0)
            for j in 1..<n {
                let (hi, lo) = m.multipliedFullWidth(by: limbs[j])
                let (s1, c1) = t[j].addingReportingOverflow(lo)
                let (s2, c2) = s1.addingReportingOverflow(carry)
                t[j - 1] = s2
                carry = hi &+ (c1 ? 1 : 0) &+ (c2 ? 1 : 0)
            }
            let (s, c) = t[n].addingReportingOverflow(carry)
            t[n - 1] = s
            t[n] = t[n + 1] &+ (c ? 1 : 0)
            t[n + 1] = 0
        }
        var result = Array(t[0..<n])
        if t[n] != 0 || Self.compare(result, limbs) >= 0 { result = Self.subtract(result, limbs) }
        return result
    }

    // MARK: - Limb helpers

    static func limbs(fromBigEndian bytes: [UInt8], count: Int) -> [UInt64] {
        var out = [UInt64](repeating: 0, count: count)
        for (index, byte) in bytes.reversed().enumerated() where index < count * 8 {
            out[index / 8] |= UInt64(byte) << UInt64(8 * (index % 8))
        }
        return out
    }

    static func bigEndian(_ limbs: [UInt64]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(limbs.count * 8)
        for limb in limbs.reversed() {
            for shift in stride(from: 56, through: 0, by: -8) { out.append(UInt8(truncatingIfNeeded: limb >> UInt64(shift))) }
        }
        return out
    }

    static func compare(_ a: [UInt64], _ b: [UInt64]) -> Int {
        for index in (0..<a.count).reversed() where a[index] != b[index] { return a[index] < b[index] ? -1 : 1 }
        return 0
    }

    static func subtract(_ a: [UInt64], _ b: [UInt64]) -> [UInt64] {
        var out = a
        var borrow = false
        for index in 0..<a.count {
            let (d1, b1) = a[index].subtractingReportingOverflow(b[index])
            let (d2, b2) = d1.subtractingReportingOverflow(borrow ? 1 : 0)
            out[index] = d2
            borrow = b1 || b2
        }
        return out
    }

    /// 2x mod m, for x < m.
    static func doubled(_ x: [UInt64], modulo m: [UInt64]) -> [UInt64] {
        var out = x
        var carry: UInt64 = 0
        for index in 0..<x.count {
            out[index] = x[index] << 1 | carry
            carry = x[index] >> 63
        }
        if carry != 0 || compare(out, m) >= 0 { out = subtract(out, m) }
        return out
    }
}
