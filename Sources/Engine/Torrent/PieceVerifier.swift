internal import NIOConcurrencyHelpers
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
    /// Verified pieces smaller than `FileStorage.directMinimum`, gathering into runs.
    private let staging: WriteStaging<Job>
    /// Pieces handed over during the current turn of the loop: they go to the hash pool together
    /// when the turn ends, one wake-up of a pool thread for all of them. Per 16 KiB piece the
    /// wake-up and its context switches cost more than hashing it.
    private let handedOver = NIOLockedValueBox<[Job]>([])
    /// Most bytes of pieces one hop hashes, and one storage call writes.
    static let batchBytes = 4 << 20
    /// Longest a small verified piece waits for neighbours before it is written anyway.
    static let stagingDelay = TimeAmount.milliseconds(25)

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
        let staging = WriteStaging<Job>(flushBytes: Self.batchBytes, delay: Self.stagingDelay, size: { $0.data.count },
                                        forward: { writing.add(contentsOf: $0) })
        self.staging = staging
        hashing = PoolBatches<Job>(pool: pool, maxJobs: hashThreads, maxBatchBytes: Self.batchBytes,
                                   size: { $0.data.count }, process: { jobs in
            var mismatched: [(Job, Outcome)] = []
            for job in jobs {
                if job.data.withUnsafeBytes({ info.pieceMatches(job.piece, data: $0) }) {
                    if job.data.count < FileStorage.directMinimum {
                        staging.add(job, timerOn: job.promise.futureResult.eventLoop)
                    } else {
                        writing.add(job)
                    }
                } else {
                    mismatched.append((job, .hashMismatch))
                }
            }
            Self.deliver(mismatched)
        }, abandon: abandon)
    }

    func verifyAndWrite(piece: Int, data: [UInt8], on loop: EventLoop) -> EventLoopFuture<Outcome> {
        let promise = loop.makePromise(of: Outcome.self)
        let first = handedOver.withLockedValue { jobs -> Bool in
            jobs.append(Job(piece: piece, data: data, promise: promise))
            return jobs.count == 1
        }
        if first {
            let handedOver = self.handedOver, hashing = self.hashing
            loop.execute {
                hashing.add(contentsOf: handedOver.withLockedValue { jobs in
                    defer { jobs = [] }
                    return jobs
                })
            }
        }
        return promise.futureResult
    }

    /// Writes verified pieces, runs of consecutive ones with one storage call, and tells the recorder.
    private static func write(_ jobs: [Job], to storage: any TorrentStorage, recorder: ResumeRecorder?) {
        recorder?.willWrite()
        let sorted = jobs.sorted { $0.piece < $1.piece }
        var outcomes: [(Job, Outcome)] = []
        outcomes.reserveCapacity(sorted.count)
        var runStart = 0
        while runStart < sorted.count {
            var runEnd = runStart + 1
            while runEnd < sorted.count, sorted[runEnd].piece == sorted[runEnd - 1].piece + 1 { runEnd += 1 }
            writeRun(sorted[runStart..<runEnd], to: storage, into: &outcomes)
            runStart = runEnd
        }
        for (job, outcome) in outcomes {
            if case .verified = outcome { recorder?.didWrite(job.piece) }
        }
        deliver(outcomes)
    }

    private static func writeRun(_ run: ArraySlice<Job>, to storage: any TorrentStorage,
                                 into outcomes: inout [(Job, Outcome)]) {
        var failure: StorageError?
        var stored = 0
        withBuffers(of: run) { buffers in
            do throws(StorageError) {
                try storage.write(pieces: run.first!.piece, buffers, stored: &stored)
            } catch {
                failure = error
            }
        }
        guard failure != nil, run.count > 1 else {
            for job in run { outcomes.append((job, failure.map { .writeFailed($0) } ?? .verified)) }
            return
        }
        // The pieces the storage says are whole stay; which of the others failed: each again on
        // its own, so the ones that fit are kept.
        let spared = min(max(stored, 0), run.count)
        for job in run.prefix(spared) { outcomes.append((job, .verified)) }
        for job in run.dropFirst(spared) {
            do throws(StorageError) {
                try storage.write(piece: job.piece, offset: 0, bytes: job.data)
                outcomes.append((job, .verified))
            } catch {
                outcomes.append((job, .writeFailed(error)))
            }
        }
    }

    /// Fulfils the promises with one hop to each loop rather than one per piece: with 16 KiB pieces
    /// a wake-up of the loop per piece was 65,536 `write`s to its eventfd per GiB.
    private static func deliver(_ outcomes: [(Job, Outcome)]) {
        var start = 0
        while start < outcomes.count {
            let loop = outcomes[start].0.promise.futureResult.eventLoop
            var end = start + 1
            while end < outcomes.count, outcomes[end].0.promise.futureResult.eventLoop === loop { end += 1 }
            let group = Array(outcomes[start..<end])
            loop.execute {
                for (job, outcome) in group { job.promise.succeed(outcome) }
            }
            start = end
        }
    }

    /// Calls `body` with the bytes of every job's piece at once.
    private static func withBuffers(of jobs: ArraySlice<Job>, _ body: ([UnsafeRawBufferPointer]) -> Void) {
        var buffers: [UnsafeRawBufferPointer] = []
        buffers.reserveCapacity(jobs.count)
        withBuffers(of: jobs, collecting: &buffers, body)
    }

    private static func withBuffers(of jobs: ArraySlice<Job>, collecting buffers: inout [UnsafeRawBufferPointer],
                                    _ body: ([UnsafeRawBufferPointer]) -> Void) {
        guard let job = jobs.first else { return body(buffers) }
        job.data.withUnsafeBytes { bytes in
            buffers.append(bytes)
            withBuffers(of: jobs.dropFirst(), collecting: &buffers, body)
        }
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
