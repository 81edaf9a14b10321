internal import NIOCore
internal import NIOPosix
import Storage
import TorrentCore
import WireProtocol

/// Hashes assembled pieces and writes the good ones to disk, on the disk thread pool.
///
/// A piece is assembled in memory from its blocks, so it is hashed without reading it back; runs of
/// consecutive pieces verified together are written with one call per file they touch, and pieces
/// go to the pools in batches (`PoolBatches`). Hashing runs on all cores; writes go through one
/// thread, because concurrent writes to one file only fight over the file's lock in the kernel
/// (measured: a third of the download's CPU went to that spinning). Each write is announced to
/// the resume recorder, which claims the piece only once a later flush has put it on disk.
struct PieceVerifier: Sendable {
    enum Outcome: Sendable {
        case verified
        case hashMismatch
        case writeFailed(StorageError)
    }

    /// A piece on its way, and who waits for its outcome.
    struct Job: Sendable {
        let piece: Int
        let data: [UInt8]
        let promise: EventLoopPromise<Outcome>
    }

    let pool: NIOThreadPool
    let storage: any TorrentStorage
    let info: TorrentInfo
    let recorder: ResumeRecorder?
    /// Where upload frames are read into.
    let frames: FrameBufferPool
    private let hashing: PoolBatches<Job>
    private let writing: PoolBatches<Job>
    /// Most bytes of pieces one hop hashes, and one storage call writes.
    static let batchBytes = 4 << 20

    init(pool: NIOThreadPool, hashThreads: Int, writer: NIOThreadPool, storage: any TorrentStorage, info: TorrentInfo,
         recorder: ResumeRecorder?, frames: FrameBufferPool) {
        self.pool = pool
        self.frames = frames
        self.storage = storage
        self.info = info
        self.recorder = recorder
        let abandon: @Sendable ([Job], any Error) -> Void = { jobs, error in
            for job in jobs { job.promise.fail(error) }
        }
        let writing = PoolBatches<Job>(pool: writer, maxJobs: 1, maxBatchBytes: Self.batchBytes, size: { $0.data.count },
                                       process: { Self.write($0, to: storage, recorder: recorder) }, abandon: abandon)
        self.writing = writing
        hashing = PoolBatches<Job>(pool: pool, maxJobs: hashThreads, maxBatchBytes: Self.batchBytes,
                                   size: { $0.data.count }, process: { jobs in
            for job in jobs {
                if job.data.withUnsafeBytes({ info.pieceMatches(job.piece, data: $0) }) {
                    writing.add(job)
                } else {
                    job.promise.succeed(.hashMismatch)
                }
            }
        }, abandon: abandon)
    }

    func verifyAndWrite(piece: Int, data: [UInt8], on loop: EventLoop) -> EventLoopFuture<Outcome> {
        let promise = loop.makePromise(of: Outcome.self)
        hashing.add(Job(piece: piece, data: data, promise: promise))
        return promise.futureResult
    }

    /// Writes verified pieces, runs of consecutive ones with one storage call, and tells the recorder.
    private static func write(_ jobs: [Job], to storage: any TorrentStorage, recorder: ResumeRecorder?) {
        recorder?.willWrite()
        let sorted = jobs.sorted { $0.piece < $1.piece }
        var runStart = 0
        while runStart < sorted.count {
            var runEnd = runStart + 1
            while runEnd < sorted.count, sorted[runEnd].piece == sorted[runEnd - 1].piece + 1 { runEnd += 1 }
            writeRun(sorted[runStart..<runEnd], to: storage, recorder: recorder)
            runStart = runEnd
        }
    }

    private static func writeRun(_ run: ArraySlice<Job>, to storage: any TorrentStorage, recorder: ResumeRecorder?) {
        var failure: StorageError?
        withBuffers(of: run, []) { buffers in
            do throws(StorageError) { try storage.write(pieces: run.first!.piece, buffers) } catch { failure = error }
        }
        guard failure != nil, run.count > 1 else {
            for job in run {
                if let failure { job.promise.succeed(.writeFailed(failure)) } else { finish(job, recorder: recorder) }
            }
            return
        }
        // Which of them failed: each piece again on its own, so the ones that fit are kept.
        for job in run {
            do throws(StorageError) {
                try storage.write(piece: job.piece, offset: 0, bytes: job.data)
                finish(job, recorder: recorder)
            } catch {
                job.promise.succeed(.writeFailed(error))
            }
        }
    }

    private static func finish(_ job: Job, recorder: ResumeRecorder?) {
        recorder?.didWrite(job.piece)
        job.promise.succeed(.verified)
    }

    /// Calls `body` with the bytes of every job's piece at once.
    private static func withBuffers(of jobs: ArraySlice<Job>, _ collected: [UnsafeRawBufferPointer],
                                    _ body: ([UnsafeRawBufferPointer]) -> Void) {
        guard let job = jobs.first else { return body(collected) }
        job.data.withUnsafeBytes { bytes in withBuffers(of: jobs.dropFirst(), collected + [bytes], body) }
    }

    /// Reads blocks for upload in one hop to the pool, each as a whole `piece` frame: the header,
    /// then the data read from disk straight behind it, so sending copies nothing. All frames are
    /// slices of one buffer. One hop per block cost ~50 µs of latency and most of a seeder's CPU.
    func readFrames(_ requests: [BlockRequest], on loop: EventLoop) -> EventLoopFuture<[ByteBuffer]> {
        let storage = self.storage
        let frames = self.frames
        return pool.runIfActive(eventLoop: loop) {
            let header = PeerMessageEncoder.pieceHeaderLength
            let total = requests.reduce(0) { $0 + header + $1.length }
            var buffer = frames.take(bytes: total)
            let encoder = PeerMessageEncoder()
            for request in requests {
                encoder.encodePieceHeader(piece: request.piece, offset: request.offset, length: request.length,
                                          into: &buffer)
                let length = request.length
                try buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: length) { pointer in
                    try storage.read(piece: request.piece.value, offset: request.offset,
                                     into: UnsafeMutableRawBufferPointer(rebasing: pointer[0..<length]))
                    return length
                }
            }
            let sliced = requests.map { buffer.readSlice(length: header + $0.length)! }
            frames.keep(buffer)
            return sliced
        }
    }
}
