/// Which BitTorrent versions a torrent's `info` dictionary describes.
public enum MetaVersion: String, Sendable, Hashable {
    /// BEP 3: SHA-1 piece hashes, a `files` list.
    case v1
    /// BEP 52 only: a `file tree` with per-file SHA-256 merkle roots.
    case v2
    /// Both halves, describing the same files with the same piece boundaries.
    case hybrid
}
