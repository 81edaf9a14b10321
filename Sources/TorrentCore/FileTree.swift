import Bencode

/// The `file tree` of a BitTorrent v2 `info` dictionary (BEP 52), flattened to its files.
///
/// Folders are dictionaries keyed by name; a file is a dictionary with one empty key whose value
/// holds `length` and, for a non-empty file, its 32-byte `pieces root`. Files come out in the
/// tree's byte order of names, which is the order of the torrent's pieces.
enum FileTree {
    struct Entry: Equatable {
        /// Components below the torrent's name folder (for a single-file torrent, just the file name).
        var path: [String]
        var length: Int
        var piecesRoot: [UInt8]?
        var attributes: [UInt8]
    }

    /// The files of `tree`, each path checked with the safe-path rules.
    static func parse(_ tree: BencodeValue, name: String) throws(MetainfoError) -> [Entry] {
        guard let root = tree.dictionary else { throw .invalidFileTree("the 'file tree' is not a dictionary") }
        guard !root.isEmpty else { throw .emptyTorrent }
        var entries: [Entry] = []
        try walk(root, below: [], name: name, into: &entries)
        return entries
    }

    private static func walk(_ folder: [[UInt8]: BencodeValue], below path: [String], name: String,
                             into entries: inout [Entry]) throws(MetainfoError) {
        for key in folder.keys.sorted(by: { $0.lexicographicallyPrecedes($1) }) {
            let shown = ([name] + path).joined(separator: "/")
            guard !key.isEmpty else {
                throw .invalidFileTree("the folder '\(shown)' has a file entry mixed with named entries")
            }
            let component = String(decoding: key, as: UTF8.self)
            let childPath = path + [component]
            let childShown = ([name] + childPath).joined(separator: "/")
            try SafePath.validate(component: component, in: childShown)
            guard let child = folder[key]?.dictionary else {
                throw .invalidFileTree("'\(childShown)' is neither a file nor a folder")
            }
            if let leaf = child[[]] {
                guard child.count == 1 else {
                    throw .invalidFileTree("'\(childShown)' is both a file and a folder")
                }
                entries.append(try file(leaf, path: childPath, shown: childShown))
            } else {
                guard !child.isEmpty else { throw .invalidFileTree("the folder '\(childShown)' is empty") }
                try walk(child, below: childPath, name: name, into: &entries)
            }
        }
    }

    private static func file(_ leaf: BencodeValue, path: [String], shown: String) throws(MetainfoError) -> Entry {
        guard leaf.dictionary != nil else { throw .invalidFileTree("the file entry of '\(shown)' is not a dictionary") }
        guard let length64 = leaf["length"]?.integer else {
            throw .invalidFileTree("the file '\(shown)' has no integer 'length'")
        }
        guard length64 >= 0, length64 < 1 << 52 else { throw .invalidFileLength(path: shown, length: length64) }
        var root: [UInt8]?
        if length64 > 0 {
            guard let bytes = leaf["pieces root"]?.bytes, bytes.count == MerkleTree.hashSize else {
                throw .invalidFileTree("the file '\(shown)' has no 32-byte 'pieces root'")
            }
            root = bytes
        }
        return Entry(path: path, length: Int(length64), piecesRoot: root, attributes: leaf["attr"]?.bytes ?? [])
    }
}
