import TorrentCore

/// What a `TrackerAnnouncer` needs of the torrent it announces: a normal torrent, or a magnet
/// still fetching its metadata (which announces with its info-hash alone). Event-loop confined.
protocol AnnounceTarget: AnyObject {
    var infoHash: InfoHash { get }
    /// A hybrid torrent's second swarm (its truncated v2 hash, BEP 52), announced too.
    var secondInfoHash: InfoHash? { get }
    /// Bytes sent and received this session, bytes still wanted, and whether it only uploads now.
    var announceTotals: (uploaded: Int, downloaded: Int, left: Int, isSeeding: Bool) { get }
    /// The last tracker problem, shown to the user.
    var trackerMessage: String? { get set }
    func addCandidates(_ endpoints: [PeerEndpoint], source: PeerSource)
}
