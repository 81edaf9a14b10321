internal import CSyscall
import SystemPackage

#if canImport(Darwin)
import Darwin
#elseif canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Writes that bypass the page cache (`O_DIRECT`), and writes gathered from several buffers.
extension Posix {
    /// `O_DIRECT`, or 0 where the system has none.
    static let directFlag = CInt(rill_o_direct_flag())

    /// A second descriptor for the file open as `descriptor`, for direct writes: the same file reopened
    /// through `/proc/self/fd`, so no path is looked up again. Throws where direct I/O is refused
    /// (`EINVAL` from tmpfs and some other file systems) or the system has no such reopening.
    static func openDirect(sameFileAs descriptor: FileDescriptor) throws(Errno) -> FileDescriptor {
        #if os(Linux)
        guard directFlag != 0 else { throw .invalidArgument }
        let reopened = try open(FilePath("/proc/self/fd/\(descriptor.rawValue)"), flags: O_WRONLY | O_CLOEXEC | directFlag)
        return FileDescriptor(rawValue: reopened)
        #else
        throw .invalidArgument
        #endif
    }

    /// `pwrite` of all of `buffer` at `offset`; returns how many bytes were written before a short
    /// write (a full disk answers short first), throwing only when nothing could be written.
    static func writeOnce(_ descriptor: FileDescriptor, _ buffer: UnsafeRawBufferPointer,
                          at offset: Int) throws(Errno) -> Int {
        var done = 0
        while done < buffer.count {
            let result = pwrite(descriptor.rawValue, buffer.baseAddress! + done, buffer.count - done,
                                off_t(offset + done))
            if result < 0 {
                if errno == EINTR { continue }
                if done > 0 { return done }
                throw Errno(rawValue: errno)
            }
            if result == 0 { return done }
            done += result
        }
        return done
    }

    /// `pwritev` of every segment, one after another from `offset`, until all are written.
    static func writeAll(_ descriptor: FileDescriptor, _ segments: [UnsafeRawBufferPointer],
                         at offset: Int) throws(Errno) {
        var vectors = segments.filter { $0.count > 0 }.map { segment in
            iovec(iov_base: UnsafeMutableRawPointer(mutating: segment.baseAddress), iov_len: segment.count)
        }
        var first = 0
        var position = offset
        while first < vectors.count {
            let count = min(vectors.count - first, 1024)  // IOV_MAX
            let result = vectors.withUnsafeBufferPointer { pointer in
                pwritev(descriptor.rawValue, pointer.baseAddress! + first, CInt(count), off_t(position))
            }
            if result < 0 {
                if errno == EINTR { continue }
                throw Errno(rawValue: errno)
            }
            if result == 0 { throw .noSpace }
            position += result
            // Step past what was written, shortening a vector written in part.
            var written = result
            while written > 0 {
                let length = vectors[first].iov_len
                if written >= length {
                    written -= length
                    first += 1
                } else {
                    vectors[first].iov_base += written
                    vectors[first].iov_len -= written
                    written = 0
                }
            }
        }
    }
}
