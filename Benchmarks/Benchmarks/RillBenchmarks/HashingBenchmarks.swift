import Benchmark
import Crypto
import Foundation
import Storage
import TorrentCore

/// 256 MiB written once to a temporary file; the benchmarks hash it from the page cache.
let hashingPayloadSize = 256 << 20

func makeHashingFile() -> (folder: String, layout: FileLayout) {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rill-bench-hash").path
    let path = folder + "/payload.bin"
    try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    let attributes = try? FileManager.default.attributesOfItem(atPath: path)
    if (attributes?[.size] as? Int) != hashingPayloadSize {
        var bytes = [UInt8](repeating: 0, count: hashingPayloadSize)
        var state: UInt64 = 1
        for i in stride(from: 0, to: bytes.count, by: 8) {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            withUnsafeBytes(of: state) { word in
                for j in 0..<8 { bytes[i + j] = word[j] }
            }
        }
        FileManager.default.createFile(atPath: path, contents: Data(bytes))
    }
    let layout = FileLayout(files: [TorrentFile(path: ["payload.bin"], length: hashingPayloadSize, offset: 0)],
                            pieceLength: 256 * 1024)
    return (folder, layout)
}

func hashingBenchmarks() {
    let configuration = Benchmark.Configuration(
        metrics: [.wallClock, .cpuTotal, .throughput, .peakMemoryResident],
        timeUnits: .milliseconds, warmupIterations: 1, maxDuration: .seconds(10), maxIterations: 10)

    for threads in [1, 2] {
        Benchmark("Piece hashing 256 MiB, 256 KiB pieces, \(threads) thread(s)", configuration: configuration) { benchmark in
            let (folder, layout) = makeHashingFile()
            let storage = try FileStorage(root: folder, layout: layout, mode: .readOnly)
            defer { storage.close() }
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations {
                blackHole(try PieceHasher.hashPieces(storage: storage, threads: threads))
            }
        }
    }

    Benchmark("Raw SHA-1 of 256 MiB in memory, one core (yardstick)", configuration: configuration) { benchmark in
        let bytes = [UInt8](repeating: 0x5A, count: hashingPayloadSize)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            bytes.withUnsafeBytes { buffer in
                var hasher = Insecure.SHA1()
                hasher.update(bufferPointer: buffer)
                blackHole(hasher.finalize())
            }
        }
    }
}
