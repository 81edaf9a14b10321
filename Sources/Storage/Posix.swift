import SystemPackage

#if canImport(Darwin)
import Darwin
#elseif canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The few POSIX calls swift-system does not wrap (or wraps only on newer systems).
enum Posix {
    /// What `stat` says about a path.
    struct Status: Sendable, Equatable {
        enum Kind: Sendable, Equatable { case regular, directory, symlink, other }
        var kind: Kind
        var size: Int64
        var modifiedSeconds: Int64
        var modifiedNanoseconds: Int64
        /// 512-byte blocks actually allocated.
        var blocks: Int64
    }

    /// `stat` (following symlinks) or `lstat`.
    static func status(_ path: FilePath, followSymlinks: Bool = true) throws(Errno) -> Status {
        var info = stat()
        let result = path.withPlatformString { followSymlinks ? stat($0, &info) : lstat($0, &info) }
        guard result == 0 else { throw Errno(rawValue: errno) }
        return Status(info)
    }

    /// `fstat`.
    static func status(_ descriptor: FileDescriptor) throws(Errno) -> Status {
        var info = stat()
        guard fstat(descriptor.rawValue, &info) == 0 else { throw Errno(rawValue: errno) }
        return Status(info)
    }

    /// Creates `path` and any missing parents, like `mkdir -p`.
    static func createFolders(_ path: FilePath) throws(StorageError) {
        var error = makeFolder(path)
        if error == .noSuchFileOrDirectory, let parent = parentOf(path) {
            try createFolders(parent)
            error = makeFolder(path)
        }
        guard let error else { return }
        // Fine if it exists as a folder (perhaps made by another thread meanwhile).
        if error == .fileExists, let status = try? status(path), status.kind == .directory { return }
        throw .io(.createFolder, path: path.string, error)
    }

    /// `mkdir`; nil on success.
    private static func makeFolder(_ path: FilePath) -> Errno? {
        path.withPlatformString { mkdir($0, 0o755) } == 0 ? nil : Errno(rawValue: errno)
    }

    /// The folder holding `path`, or nil at the top.
    static func parentOf(_ path: FilePath) -> FilePath? {
        var parent = path
        guard parent.removeLastComponent(), !parent.isEmpty, parent != path else { return nil }
        return parent
    }

    /// `rename`, replacing `target` atomically.
    static func move(_ source: FilePath, to target: FilePath) throws(Errno) {
        let result = source.withPlatformString { from in target.withPlatformString { to in rename(from, to) } }
        guard result == 0 else { throw Errno(rawValue: errno) }
    }

    /// `unlink`.
    static func remove(_ path: FilePath) throws(Errno) {
        guard path.withPlatformString({ unlink($0) }) == 0 else { throw Errno(rawValue: errno) }
    }

    /// `fsync`.
    static func flush(_ descriptor: FileDescriptor) throws(Errno) {
        guard fsync(descriptor.rawValue) == 0 else { throw Errno(rawValue: errno) }
    }

    /// `fsync` of a folder, so that a file just created or renamed in it survives a power cut.
    static func flushFolder(_ path: FilePath) throws(Errno) {
        let descriptor = try open(path, flags: O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        defer { _ = close(descriptor) }
        guard fsync(descriptor) == 0 else { throw Errno(rawValue: errno) }
    }

    /// The entries of a folder (without `.` and `..`) as raw name bytes.
    static func listFolder(_ path: FilePath) throws(Errno) -> [[UInt8]] {
        guard let folder = path.withPlatformString({ opendir($0) }) else { throw Errno(rawValue: errno) }
        defer { closedir(folder) }
        var names: [[UInt8]] = []
        while true {
            errno = 0
            guard let entry = readdir(folder) else {
                if errno != 0 { throw Errno(rawValue: errno) }
                break
            }
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                Array(raw.prefix { $0 != 0 })
            }
            if name == [UInt8(ascii: ".")] || name == [UInt8(ascii: "."), UInt8(ascii: ".")] { continue }
            names.append(name)
        }
        return names
    }

    /// The canonical absolute form of `path`, with symlinks resolved.
    static func realPath(_ path: FilePath) throws(Errno) -> FilePath {
        guard let resolved = path.withPlatformString({ realpath($0, nil) }) else { throw Errno(rawValue: errno) }
        defer { free(resolved) }
        return FilePath(platformString: resolved)
    }

    /// Number of processors online.
    static var processorCount: Int {
        max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
    }
}

extension Posix.Status {
    init(_ info: stat) {
        switch info.st_mode & S_IFMT {
        case S_IFREG: kind = .regular
        case S_IFDIR: kind = .directory
        case S_IFLNK: kind = .symlink
        default: kind = .other
        }
        size = Int64(info.st_size)
        blocks = Int64(info.st_blocks)
        #if canImport(Darwin)
        modifiedSeconds = Int64(info.st_mtimespec.tv_sec)
        modifiedNanoseconds = Int64(info.st_mtimespec.tv_nsec)
        #else
        modifiedSeconds = Int64(info.st_mtim.tv_sec)
        modifiedNanoseconds = Int64(info.st_mtim.tv_nsec)
        #endif
    }
}
