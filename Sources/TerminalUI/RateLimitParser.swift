/// Reads "500k 1M" (download then upload; one value sets both) into bytes per second.
/// `0`, `-`, `none` and `unlimited` mean no limit. Suffixes k/m/g are 1024-based.
public enum RateLimitParser {
    public enum ParseError: Error, Equatable, CustomStringConvertible {
        case empty
        case tooManyValues(Int)
        case notARate(String)

        public var description: String {
            switch self {
            case .empty: return "Enter a download and an upload limit, e.g. \"500k 1M\"."
            case .tooManyValues(let n): return "Expected one or two limits but got \(n)."
            case .notARate(let token): return "\"\(token)\" is not a rate; use a number with k, m or g, or 0 for unlimited."
            }
        }
    }

    public static func parse(_ text: String) throws(ParseError) -> (download: Int?, upload: Int?) {
        let tokens = text.split(whereSeparator: { $0 == " " || $0 == "," || $0 == "\t" }).map(String.init)
        guard !tokens.isEmpty else { throw .empty }
        guard tokens.count <= 2 else { throw .tooManyValues(tokens.count) }
        let download = try parseOne(tokens[0])
        let upload = tokens.count == 2 ? try parseOne(tokens[1]) : download
        return (download, upload)
    }

    static func parseOne(_ token: String) throws(ParseError) -> Int? {
        var text = token.lowercased()
        if ["0", "-", "none", "unlimited", "∞"].contains(text) { return nil }
        for suffix in ["/s", "ib", "b"] where text.hasSuffix(suffix) && text.count > suffix.count {
            text.removeLast(suffix.count)
        }
        var multiplier = 1.0
        if let last = text.last, let scale = ["k": 1024.0, "m": 1_048_576.0, "g": 1_073_741_824.0][last] {
            multiplier = scale
            text.removeLast()
        }
        guard let number = Double(text), number.isFinite, number >= 0, number * multiplier < 1e15 else {
            throw .notARate(token)
        }
        let bytes = Int((number * multiplier).rounded())
        return bytes == 0 ? nil : bytes
    }
}
