internal import CSyscall
import SystemPackage

#if canImport(Darwin)
import Darwin
#elseif canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The calls that reach a name relative to an open folder, for `DownloadFolder`. None of them
/// follows a symbolic link in the last component; `openBeneath` follows none at all.
extension Posix {
    /// Flags for a descriptor that only names a folder for the `*at` calls: `O_PATH` on Linux
    /// (search permission is enough, nothing is read), a plain read-only open elsewhere.
    #if os(Linux)
    static let folderReference: CInt = 0o10000000  // O_PATH (x86_64 and arm64); Glibc hides it without _GNU_SOURCE
    #else
    static let folderReference: CInt = O_RDONLY
    #endif

    /// Whether `openBeneath` can be used: the kernel has `openat2` (Linux 5.6 and later) and no
    /// sandbox forbids it. Probed once by opening `/`; an old kernel answers `ENOSYS` and a seccomp
    /// filter may answer `EPERM`, and either way the callers walk the path with `openat` instead.
    static let hasOpenBeneath: Bool = {
        var how = rill_open_how(flags: UInt64(folderReference | O_DIRECTORY | O_CLOEXEC), mode: 0, resolve: 0)
        let descriptor = rill_openat2(AT_FDCWD, "/", &how)
        guard descriptor >= 0 else { return false }
        Posix.close(CInt(descriptor))
        return true
    }()

    /// `openat2(folder, path, flags, RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS)`: opens `path` below
    /// `folder` without leaving it and without following any symbolic link on the way (`ELOOP`
    /// when there is one). Only when `hasOpenBeneath`.
    static func openBeneath(_ path: FilePath, in folder: CInt, flags: CInt, mode: mode_t = 0) throws(Errno) -> CInt {
        let resolveNoSymlinks: UInt64 = 0x04, resolveBeneath: UInt64 = 0x08  // linux/openat2.h
        var how = rill_open_how(flags: UInt64(UInt32(bitPattern: flags)), mode: UInt64(mode),
                                resolve: resolveBeneath | resolveNoSymlinks)
        let descriptor = path.withPlatformString { rill_openat2(folder, $0, &how) }
        guard descriptor >= 0 else { throw Errno(rawValue: errno) }
        return CInt(descriptor)
    }

    /// `openat(folder, name, flags, mode)`.
    static func open(_ name: FilePath.Component, in folder: CInt, flags: CInt, mode: mode_t = 0) throws(Errno) -> CInt {
        let descriptor = name.withPlatformString { openat(folder, $0, flags, mode) }
        guard descriptor >= 0 else { throw Errno(rawValue: errno) }
        return descriptor
    }

    /// `open(path, flags)`, following links: for the download folder itself.
    static func open(_ path: FilePath, flags: CInt) throws(Errno) -> CInt {
        let descriptor = path.withPlatformString { openat(AT_FDCWD, $0, flags, 0) }
        guard descriptor >= 0 else { throw Errno(rawValue: errno) }
        return descriptor
    }

    /// `mkdirat(folder, name, 0755)`.
    static func makeFolder(_ name: FilePath.Component, in folder: CInt) throws(Errno) {
        guard name.withPlatformString({ mkdirat(folder, $0, 0o755) }) == 0 else { throw Errno(rawValue: errno) }
    }

    /// `fstatat(folder, name, AT_SYMLINK_NOFOLLOW)`: a link is described, not followed.
    static func status(of name: FilePath.Component, in folder: CInt) throws(Errno) -> Status {
        var info = stat()
        guard name.withPlatformString({ fstatat(folder, $0, &info, AT_SYMLINK_NOFOLLOW) }) == 0 else {
            throw Errno(rawValue: errno)
        }
        return Status(info)
    }

    /// `unlinkat(folder, name)`, or for a folder `unlinkat(…, AT_REMOVEDIR)`; neither follows a link.
    static func remove(_ name: FilePath.Component, in folder: CInt, isFolder: Bool) throws(Errno) {
        guard name.withPlatformString({ unlinkat(folder, $0, isFolder ? AT_REMOVEDIR : 0) }) == 0 else {
            throw Errno(rawValue: errno)
        }
    }

    /// Turns `O_NONBLOCK` off again (it was only there so that opening a FIFO cannot hang).
    static func makeBlocking(_ descriptor: CInt) throws(Errno) {
        let flags = fcntl(descriptor, F_GETFL)
        guard flags >= 0, fcntl(descriptor, F_SETFL, flags & ~O_NONBLOCK) == 0 else { throw Errno(rawValue: errno) }
    }

    /// `close`, for descriptors only used while a path is resolved.
    static func close(_ descriptor: CInt) {
        #if canImport(Darwin)
        _ = Darwin.close(descriptor)
        #elseif canImport(Glibc)
        _ = Glibc.close(descriptor)
        #elseif canImport(Musl)
        _ = Musl.close(descriptor)
        #endif
    }
}
