/// Checks that path components from a torrent cannot reach outside the download folder.
public enum SafePath {
    /// Throws `MetainfoError.unsafePath` unless `component` is a plain file or folder name.
    public static func validate(component: String, in fullPath: String) throws(MetainfoError) {
        if component.isEmpty { throw .unsafePath(fullPath, reason: "it has an empty component") }
        if component == "." { throw .unsafePath(fullPath, reason: "it has a '.' component") }
        if component == ".." { throw .unsafePath(fullPath, reason: "it has a '..' component") }
        if component.utf8.contains(0) { throw .unsafePath(fullPath, reason: "it contains a NUL character") }
        if component.utf8.contains(UInt8(ascii: "/")) {
            throw .unsafePath(fullPath, reason: "a component contains '/'")
        }
    }

    /// Validates every component of a relative path; an empty path or an absolute one is refused.
    public static func validate(_ components: [String]) throws(MetainfoError) {
        let full = components.joined(separator: "/")
        guard !components.isEmpty else { throw .unsafePath(full, reason: "it is empty") }
        for component in components {
            try validate(component: component, in: full)
        }
    }
}
