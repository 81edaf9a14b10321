/// Short, allocation-light number formatting for columns (no Foundation in the frame loop).
enum Format {
    private static let units: [Character] = ["B", "K", "M", "G", "T", "P"]

    /// 1024-based size with one decimal below 100: "900B", "1.4K", "12.3M", "512G".
    static func bytes(_ value: Double) -> String {
        guard value.isFinite, value >= 0 else { return "-" }
        guard value < 1e18 else { return ">1E" }
        var scaled = value
        var unit = 0
        while scaled >= 1000, unit < units.count - 1 {
            scaled /= 1024
            unit += 1
        }
        if unit == 0 { return "\(Int(scaled))B" }
        return scaled < 99.95 ? "\(oneDecimal(scaled))\(units[unit])" : "\(Int(scaled.rounded()))\(units[unit])"
    }

    static func bytes(_ value: Int) -> String { bytes(Double(value)) }

    /// A rate without the "/s" (columns carry it in the header); 0 shows as "0".
    static func rate(_ value: Double) -> String {
        guard value >= 1 else { return "0" }
        return bytes(value)
    }

    static func oneDecimal(_ value: Double) -> String {
        guard value.isFinite, abs(value) < 1e15 else { return "-" }
        let tenths = Int((value * 10).rounded())
        return "\(tenths / 10).\(tenths % 10)"
    }

    static func twoDecimals(_ value: Double) -> String {
        guard value.isFinite, value < 1e12 else { return value.isNaN ? "-" : "∞" }
        guard value >= 0 else { return "-" }
        let hundredths = Int((value * 100).rounded())
        let fraction = hundredths % 100
        return "\(hundredths / 100).\(fraction < 10 ? "0" : "")\(fraction)"
    }

    static func percent(_ fraction: Double) -> String {
        let clamped = min(1, max(0, fraction.isFinite ? fraction : 0))
        return "\(Int((clamped * 100).rounded(.down)))%"
    }

    /// "45s", "3m20s", "1h02m", "2d03h"; nil or absurd values show "-".
    static func duration(_ seconds: Double?) -> String {
        guard let seconds, seconds.isFinite, seconds >= 0, seconds < 100 * 86_400 else { return "-" }
        let total = Int(seconds.rounded())
        if total < 60 { return "\(total)s" }
        if total < 3600 { return "\(total / 60)m\(twoDigits(total % 60))s" }
        if total < 86_400 { return "\(total / 3600)h\(twoDigits(total % 3600 / 60))m" }
        return "\(total / 86_400)d\(twoDigits(total % 86_400 / 3600))h"
    }

    static func twoDigits(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }

    /// "500K" style limit, or "∞" for none.
    static func limit(_ value: Int?) -> String {
        guard let value, value > 0 else { return "∞" }
        return bytes(value)
    }
}
