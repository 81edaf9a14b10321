internal import NIOCore
import Bencode
import EngineAPI
import Foundation
import Storage
import TorrentCore

extension SessionCore {
    /// The magnet torrent still fetching metadata for `infoHash`, if any. Peer sources (DHT, LSD)
    /// feed it like a normal torrent: `core.magnet(for: hash)?.addCandidates(peers, source: .dht)`.
    func magnet(for infoHash: InfoHash) -> MagnetTorrent? { magnets[infoHash] }

    /// Feeds peer addresses to the torrent or magnet with this info-hash (DHT, LSD, the user);
    /// false when the session has neither.
    @discardableResult
    func addCandidates(_ endpoints: [PeerEndpoint], to infoHash: InfoHash, source: PeerSource) -> Bool {
        if let torrent = torrent(for: infoHash) {
            torrent.addCandidates(endpoints, source: source)
        } else if let magnet = magnets[infoHash] {
            magnet.addCandidates(endpoints, source: source)
        } else {
            return false
        }
        return true
    }

    /// Info-hashes of every torrent and magnet, for peer sources that look them up (DHT, LSD).
    var allInfoHashes: [InfoHash] { Array(torrents.keys) + Array(magnets.keys) }

    /// Whether the session already has this info-hash, as a torrent or as a magnet.
    func hasTorrent(_ infoHash: InfoHash) -> Bool {
        torrent(for: infoHash) != nil || magnets[infoHash] != nil
    }

    /// Checks the data on disk (trusting resume data when allowed), then adds and starts the torrent.
    func addTorrent(_ metainfo: Metainfo, downloadDirectory: String, options: TorrentOptions,
                    progress: PieceHasher.Progress? = nil, announce: Bool = true) -> EventLoopFuture<InfoHash> {
        let info = metainfo.info
        let hash = info.infoHash
        if torrent(for: hash) != nil || checking[hash] != nil {
            return loop.makeFailedFuture(SessionError.duplicateTorrent(hash))
        }
        // The front end sees the torrent while its data is checked.
        checking[hash] = PendingCheck(name: info.name, size: info.totalLength)
        let report: PieceHasher.Progress = { [self] done, total in
            progress?(done, total)
            loop.execute { self.checking[hash]?.progress = total == 0 ? 1 : Double(done) / Double(total) }
        }
        let resume = options.useResumeData ? resumeStore : nil
        let prepared = diskPool.runIfActive(eventLoop: loop) { () throws -> (FileStorage, Bitfield) in
            let result = try DataChecker.check(info: info, root: downloadDirectory, resume: resume,
                                               threads: PieceHasher.defaultThreads, progress: report)
            let storage = try FileStorage(root: downloadDirectory, layout: info.layout, mode: .readWrite)
            if !result.verified.isComplete { try storage.prepare() }
            return (storage, result.verified)
        }
        prepared.whenComplete { [self] _ in checking[hash] = nil }
        return prepared.flatMapThrowing { [self] storage, verified in
            if torrent(for: info.infoHash) != nil { throw SessionError.duplicateTorrent(info.infoHash) }
            let torrent = TorrentRuntime(metainfo: metainfo, downloadRoot: downloadDirectory, options: options,
                                         core: self, storage: storage, verified: verified)
            add(torrent, announce: announce)
            torrent.tick()
            return info.infoHash
        }
    }

    /// Starts fetching a magnet link's metadata; the torrent shows at once as fetching metadata.
    func addMagnet(_ link: MagnetLink, downloadDirectory: String, options: TorrentOptions) throws {
        if hasTorrent(link.infoHash) { throw SessionError.duplicateTorrent(link.infoHash) }
        let magnet = MagnetTorrent(link: link, downloadRoot: downloadDirectory, options: options, core: self)
        queue.append(link.infoHash)
        magnets[link.infoHash] = magnet
        sessionChanged()
        discoveryMagnetAdded(link.infoHash)
        recordEvent(.added(magnet.id, name: magnet.name))
        magnet.addCandidates(link.peers, source: .manual)
        publishSnapshot()
    }

    func removeMagnet(_ infoHash: InfoHash) {
        magnets[infoHash] = nil
        // A magnet that became a torrent keeps its place in the queue.
        if torrents[infoHash] == nil { queue.remove(infoHash) }
        sessionChanged()
    }

    // MARK: - Saved metadata

    /// Where the metadata of `infoHash` is kept once fetched: `<hex>.torrent` in the resume folder.
    func metadataPath(for infoHash: InfoHash) -> String? {
        configuration.resumeFolder.map { Self.torrentFilePath(folder: $0, hex: infoHash.hex) }
    }

    /// The saved metadata of `infoHash`, when a file is there and really is that torrent.
    func savedMetadata(for infoHash: InfoHash) -> Metainfo? {
        guard let path = metadataPath(for: infoHash), let data = FileManager.default.contents(atPath: path),
              let metainfo = try? Metainfo(bytes: Array(data)), metainfo.infoHash == infoHash
        else { return nil }
        return metainfo
    }

    /// Writes the fetched metadata as a `.torrent` file (on the disk pool) so a restart need not fetch it.
    func saveMetadata(_ metainfo: Metainfo) {
        guard let folder = configuration.resumeFolder else { return }
        writeTorrentFile(metainfo, in: folder, replacing: true)
    }

    // MARK: - Commands

    /// Carries out a command aimed at a magnet torrent; false when the command is not about one.
    func performOnMagnet(_ command: EngineCommand) -> Bool {
        func magnet(_ id: TorrentID) -> MagnetTorrent? { InfoHash(text: id.hex).flatMap { magnets[$0] } }
        switch command {
        case .remove(let id, _):
            guard let found = magnet(id) else { return false }
            found.stop()
            removeMagnet(found.infoHash)
            recordEvent(.removed(id))
        case .addPeer(let id, let host, let port):
            guard let found = magnet(id), let port = UInt16(exactly: port), port > 0 else { return false }
            found.addCandidates([PeerEndpoint(host: host, port: port)], source: .manual)
        case .pause(let id), .resume(let id), .recheck(let id):
            guard magnet(id) != nil else { return false }
            recordEvent(.commandFailed("this torrent is still fetching its metadata"))
        default:
            return false
        }
        publishSnapshot()
        return true
    }
}
