#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How much room is left on a disk.
enum FreeSpace {
    /// Bytes an unprivileged user may still write in the file system holding `path`, or nil
    /// when the path cannot be examined.
    static func bytesAvailable(at path: String) -> Int? {
        var info = statvfs()
        guard statvfs(path, &info) == 0 else { return nil }
        let (bytes, overflow) = Int(info.f_bavail).multipliedReportingOverflow(by: Int(info.f_frsize))
        return overflow ? Int.max : bytes
    }
}

