internal import NIOCore
import TorrentCore

extension Session {
    /// The torrent's metadata once known (at once for a .torrent, after the fetch for a magnet); nil before.
    public func metainfo(for infoHash: InfoHash) async -> Metainfo? {
        let core = self.core
        return try? await core.loop.submit { core.torrent(for: infoHash)?.metainfo }.get()
    }
}
