import Foundation

/// Human-readable sizes and numbers for the command line.
enum ByteCount {
    /// `1536` → `1.5 KiB`; exact bytes below 1 KiB.
    static func format(_ bytes: Int) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"]
        var value = Double(bytes)
        var unit = 0
        while value >= 1024 && unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        if unit == 0 { return "\(bytes) B" }
        return Format.fixed(value, value < 10 ? 2 : (value < 100 ? 1 : 0)) + " " + units[unit]
    }

    /// Parses `16384`, `256k`, `1M`, `4MiB` into bytes.
    static func parse(_ text: String) -> Int? {
        let lower = text.lowercased().replacingOccurrences(of: "ib", with: "").replacingOccurrences(of: "b", with: "")
        let multipliers: [Character: Int] = ["k": 1 << 10, "m": 1 << 20, "g": 1 << 30]
        if let last = lower.last, let multiplier = multipliers[last] {
            guard let number = Int(lower.dropLast()) else { return nil }
            return number * multiplier
        }
        return Int(lower)
    }
}

enum Format {
    /// `value` with exactly `decimals` digits after the point.
    static func fixed(_ value: Double, _ decimals: Int) -> String {
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        let rounded = (value * scale).rounded() / scale
        var text = String(rounded)
        if decimals == 0 {
            if let dot = text.firstIndex(of: ".") { text = String(text[..<dot]) }
            return text
        }
        let parts = text.split(separator: ".", maxSplits: 1)
        let fraction = parts.count > 1 ? String(parts[1]) : ""
        return String(parts[0]) + "." + String((fraction + String(repeating: "0", count: decimals)).prefix(decimals))
    }

    /// `1234567` → `1,234,567`.
    static func grouped(_ value: Int) -> String {
        let digits = String(value.magnitude)
        var out = ""
        for (index, character) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { out.append(",") }
            out.append(character)
        }
        return value < 0 ? "-" + out : out
    }
}
