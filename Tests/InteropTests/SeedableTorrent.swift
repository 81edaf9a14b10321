import Foundation
import TestSupport

/// Data already on disk and its .torrent, made by transmission-create: a torrent that any client
/// given the folder verifies and seeds at once.
enum SeedableTorrent {
    /// Writes `size` pseudo-random bytes to `folder/name` and returns the path of `name.torrent`
    /// in `torrentFolder`.
    static func make(_ name: String, size: Int, seed: UInt64, in folder: String, torrentFolder: String) throws -> String {
        guard let create = ExternalTool.find("transmission-create") else {
            throw ToolFailure("transmission-create is not installed")
        }
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let data = folder + "/" + name
        guard FileManager.default.createFile(atPath: data, contents: Data(pseudoRandomBytes(count: size, seed: seed))) else {
            throw ToolFailure("cannot write \(data)")
        }
        let torrent = torrentFolder + "/" + name + ".torrent"
        let made = try ExternalTool.run(create, ["-o", torrent, data], timeout: 60)
        guard made.status == 0 else { throw ToolFailure("transmission-create failed: \(made.stderr)") }
        return torrent
    }
}
