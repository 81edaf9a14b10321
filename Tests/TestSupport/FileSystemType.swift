import Foundation

/// The type of the file system holding `path` (`ext4`, `tmpfs`, …) as /proc/mounts names it: the
/// mount with the longest matching mount point. Nil where /proc/mounts cannot be read.
public func fileSystemType(of path: String) -> String? {
    guard let mounts = try? String(contentsOfFile: "/proc/mounts", encoding: .utf8) else { return nil }
    let resolved = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
    var best: (point: String, type: String)?
    for line in mounts.split(separator: "\n") {
        let fields = line.split(separator: " ")
        guard fields.count >= 3 else { continue }
        let point = String(fields[1]).replacingOccurrences(of: "\\040", with: " ")
        let inside = point == "/" || resolved == point || resolved.hasPrefix(point + "/")
        if inside, point.count >= (best?.point.count ?? -1) { best = (point, String(fields[2])) }
    }
    return best?.type
}
