import Foundation
import TOMLKit

/// `config.toml`: read, checked key by key, and merged over the defaults. A problem never stops
/// rill: it is reported with its line, and the default stays in force for that key.
struct ConfigFile {
    var settings = RillSettings()
    /// Where each key's value came from, by key name.
    var sources: [String: SettingSource] = [:]
    /// One sentence per problem, naming the file, line and key.
    var problems: [String] = []

    init() {}

    /// Reads `path`; a missing file simply means every default.
    init(path: String) {
        guard let data = FileManager.default.contents(atPath: path) else {
            self.init()
            return
        }
        guard let text = String(data: data, encoding: .utf8) else {
            self.init()
            problems.append("\(path): not UTF-8 text; using the defaults")
            return
        }
        self.init(text: text, path: path)
    }

    init(text: String, path: String) {
        let table: TOMLTable
        do {
            table = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            problems.append("\(path):\(error.source.begin.line): \(error.description); using the defaults")
            return
        } catch {
            problems.append("\(path): \(error); using the defaults")
            return
        }
        let lines = TOMLKeyLines(text: text)
        let known = Dictionary(uniqueKeysWithValues: SettingKey.all.map { ($0.name, $0) })
        for (name, value) in Self.flatten(table) {
            let line = lines.line(of: name)
            let place = "\(path):\(line.map(String.init) ?? "?")"
            guard let key = known[name] else {
                problems.append("\(place): unknown key '\(name)'; it is ignored")
                continue
            }
            if let problem = key.apply(&settings, value) {
                problems.append("\(place): bad value for '\(name)': \(problem); using the default \(key.show(RillSettings()))")
            } else {
                sources[name] = .file(path: path, line: line)
            }
        }
    }

    /// `[dht] port = 1` becomes `dht.port`; nested tables nest further.
    private static func flatten(_ table: TOMLTable, prefix: String = "") -> [(String, TOMLValueConvertible)] {
        var out: [(String, TOMLValueConvertible)] = []
        for key in table.keys.sorted() {
            guard let value = table[key] else { continue }
            if let inner = value.table {
                out += flatten(inner, prefix: prefix + key + ".")
            } else {
                out.append((prefix + key, value))
            }
        }
        return out
    }
}

/// Finds the line on which a (dotted) key is set, by reading the TOML text: TOMLKit does not
/// keep positions for values that parsed.
struct TOMLKeyLines {
    private var lines: [String: Int] = [:]

    init(text: String) {
        var table = ""
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("[") {
                table = line.trimmingCharacters(in: CharacterSet(charactersIn: "[] ")) + "."
                continue
            }
            guard !line.hasPrefix("#"), let equals = line.firstIndex(of: "=") else { continue }
            let key = line[..<equals].trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "\"", with: "")
            let name = table + key
            if lines[name] == nil { lines[name] = index + 1 }
        }
    }

    func line(of key: String) -> Int? { lines[key] }
}
