import Benchmark
import Bencode
import TorrentCore

/// A single-file torrent with 50,000 piece hashes (1 MB of `pieces`), like a 12 GiB ISO at 256 KiB pieces.
func makeLargeTorrent(pieces: Int = 50_000) -> [UInt8] {
    var hashes = [UInt8](repeating: 0, count: pieces * 20)
    for i in hashes.indices { hashes[i] = UInt8(truncatingIfNeeded: i &* 2_654_435_761 >> 7) }
    var builder = MetainfoBuilder(name: "large.iso", pieceLength: 256 * 1024, files: nil,
                                  singleFileLength: pieces * 256 * 1024)
    builder.trackerTiers = [["udp://tracker.example:1337/announce"], ["http://tracker.example/announce"]]
    builder.comment = "benchmark fixture"
    return builder.torrentBytes(pieceHashes: hashes)
}

func bencodeBenchmarks() {
    let torrent = makeLargeTorrent()

    Benchmark("Bencode decode, 50k-piece torrent",
              configuration: .init(metrics: [.wallClock, .cpuTotal, .mallocCountTotal, .throughput], maxDuration: .seconds(5))) { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try BencodeDecoder().decodeDocument(torrent))
        }
    }

    Benchmark("Metainfo parse, 50k-piece torrent (decode + validate + info-hash)",
              configuration: .init(metrics: [.wallClock, .cpuTotal, .mallocCountTotal], maxDuration: .seconds(5))) { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try Metainfo(bytes: torrent))
        }
    }

    Benchmark("Bencode encode, 50k-piece torrent",
              configuration: .init(metrics: [.wallClock, .mallocCountTotal], maxDuration: .seconds(5))) { benchmark in
        let value = try BencodeDecoder().decode(torrent)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            blackHole(value.encoded())
        }
    }
}
