import SystemPackage

#if canImport(Darwin)
import Darwin
#elseif canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A download folder whose files and folders are reached without following any symbolic link
/// beneath it.
///
/// In a shared download folder someone else may have placed a link where a torrent's folder or
/// file goes; following it would read, overwrite or delete something outside the folder. So every
/// folder and file below `root` must be real, and a link found there is
/// `StorageError.symlinkRefused`. The root itself may be a link: the user chose it.
///
/// Where the kernel has `openat2` (Linux 5.6+) one call with `RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS`
/// opens a path. Otherwise, and whenever that call fails (to create missing folders, or to name the
/// link or the missing part), the path is walked one name at a time with `openat(O_NOFOLLOW)`,
/// `mkdirat` and `fstatat(AT_SYMLINK_NOFOLLOW)`. This costs a few system calls when a descriptor is
/// first opened; reads and writes through it are untouched.
struct DownloadFolder: Sendable {
    /// What an opened file may be used for.
    enum Access: Sendable { case read, readWrite }

    let root: FilePath
    /// Whether to try `openat2` first; tests turn it off to exercise the walk that older kernels use.
    let usesOpenBeneath: Bool

    init(_ root: FilePath, usesOpenBeneath: Bool = Posix.hasOpenBeneath) {
        self.root = root
        self.usesOpenBeneath = usesOpenBeneath
    }

    /// The full path of `relative`, as errors name it.
    func path(of relative: FilePath) -> FilePath { root.pushing(relative) }

    // MARK: - Files

    /// Opens the regular file at `relative`. With `permissions` it is created if missing, together
    /// with any missing folders (and the root); without, a missing file is `fileMissing`.
    func openFile(_ relative: FilePath, access: Access,
                  creatingWith permissions: FilePermissions? = nil) throws(StorageError) -> FileDescriptor {
        let shown = path(of: relative)
        guard let name = relative.lastComponent else { throw .unsafePath(relative.string) }
        let creating = permissions != nil
        // O_NONBLOCK so that a FIFO in the file's place cannot hang the open; turned off again below.
        var flags = (access == .read ? O_RDONLY : O_RDWR) | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC
        if creating { flags |= O_CREAT }
        let mode = permissions?.rawValue ?? 0

        let top = try openRoot(creating: creating, for: shown)
        if usesOpenBeneath, let descriptor = try? Posix.openBeneath(relative, in: top, flags: flags, mode: mode) {
            Posix.close(top)
            return try finishOpening(descriptor, shown)
        }
        let folder = try openParent(of: relative, from: top, creating: creating, for: shown)
        defer { Posix.close(folder) }
        let descriptor: CInt
        do { descriptor = try Posix.open(name, in: folder, flags: flags, mode: mode) } catch {
            try refuseLink(name, in: folder, at: shown)
            if error == .noSuchFileOrDirectory || error == .notDirectory { throw .fileMissing(path: shown.string) }
            throw .io(creating ? .create : .open, path: shown.string, error)
        }
        return try finishOpening(descriptor, shown)
    }

    /// What `lstat` says of `relative`, or nil when it (or a folder on its way) does not exist.
    func status(of relative: FilePath) throws(StorageError) -> Posix.Status? {
        let shown = path(of: relative)
        guard let name = relative.lastComponent else { throw .unsafePath(relative.string) }
        guard let folder = try openExistingParent(of: relative, for: shown) else { return nil }
        defer { Posix.close(folder) }
        let status: Posix.Status
        do { status = try Posix.status(of: name, in: folder) } catch {
            if error == .noSuchFileOrDirectory || error == .notDirectory { return nil }
            throw .io(.inspect, path: shown.string, error)
        }
        if status.kind == .symlink { throw .symlinkRefused(path: shown.string) }
        return status
    }

    /// Removes the regular file at `relative`; one that is already gone is fine. Anything else in
    /// its place stays: a link (refused, so the caller can say so), a folder or a device.
    func removeFile(_ relative: FilePath) throws(StorageError) {
        try remove(relative, expecting: .regular)
    }

    /// Removes the folder at `relative` when it is empty; a link in its place stays and is refused.
    func removeFolderIfEmpty(_ relative: FilePath) throws(StorageError) {
        do throws(StorageError) { try remove(relative, expecting: .directory) } catch {
            if case .io(.remove, _, let errno) = error, errno == .directoryNotEmpty || errno == .fileExists { return }
            throw error
        }
    }

    private func remove(_ relative: FilePath, expecting kind: Posix.Status.Kind) throws(StorageError) {
        let shown = path(of: relative)
        guard let name = relative.lastComponent else { throw .unsafePath(relative.string) }
        guard let folder = try openExistingParent(of: relative, for: shown) else { return }
        defer { Posix.close(folder) }
        let status: Posix.Status
        do { status = try Posix.status(of: name, in: folder) } catch {
            if error == .noSuchFileOrDirectory || error == .notDirectory { return }
            throw .io(.inspect, path: shown.string, error)
        }
        if status.kind == .symlink { throw .symlinkRefused(path: shown.string) }
        guard status.kind == kind else { return }
        // Neither unlinkat nor rmdir follows a link, so a swap after the check removes only the link.
        do { try Posix.remove(name, in: folder, isFolder: kind == .directory) } catch {
            if error != .noSuchFileOrDirectory { throw .io(.remove, path: shown.string, error) }
        }
    }

    // MARK: - Folders

    /// A descriptor for the root, following a link there. When `creating`, a missing root is made
    /// (`mkdir -p`); otherwise it means the file `shown` is missing.
    private func openRoot(creating: Bool, for shown: FilePath) throws(StorageError) -> CInt {
        let flags = Posix.folderReference | O_DIRECTORY | O_CLOEXEC
        do { return try Posix.open(root, flags: flags) } catch {
            guard error == .noSuchFileOrDirectory || error == .notDirectory else {
                throw .io(.open, path: root.string, error)
            }
            guard creating else { throw .fileMissing(path: shown.string) }
        }
        try Posix.createFolders(root)
        do { return try Posix.open(root, flags: flags) } catch { throw .io(.open, path: root.string, error) }
    }

    /// The folder holding `relative`, or nil when the root or a folder on the way is missing.
    private func openExistingParent(of relative: FilePath, for shown: FilePath) throws(StorageError) -> CInt? {
        do throws(StorageError) {
            let top = try openRoot(creating: false, for: shown)
            return try openParent(of: relative, from: top, creating: false, for: shown)
        } catch {
            if case .fileMissing = error { return nil }
            throw error
        }
    }

    /// The folder holding the last component of `relative`, reached from `top` (which this takes
    /// over and closes) without following links; missing folders are made when `creating`.
    private func openParent(of relative: FilePath, from top: CInt, creating: Bool,
                            for shown: FilePath) throws(StorageError) -> CInt {
        let names = Array(relative.components.dropLast())
        if names.isEmpty { return top }
        let folderFlags = Posix.folderReference | O_DIRECTORY | O_CLOEXEC
        if usesOpenBeneath,
           let folder = try? Posix.openBeneath(relative.removingLastComponent(), in: top, flags: folderFlags) {
            Posix.close(top)
            return folder
        }
        var folder = top
        var reached = root
        for name in names {
            reached.append(name)
            do throws(StorageError) {
                let next = try step(into: name, of: folder, creating: creating, reached: reached, for: shown)
                Posix.close(folder)
                folder = next
            } catch {
                Posix.close(folder)
                throw error
            }
        }
        return folder
    }

    /// Opens the folder `name` inside `folder` without following a link, making it first when
    /// `creating` and it is missing. `reached` is its full path.
    private func step(into name: FilePath.Component, of folder: CInt, creating: Bool, reached: FilePath,
                      for shown: FilePath) throws(StorageError) -> CInt {
        let flags = Posix.folderReference | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC
        var made = false
        while true {
            do { return try Posix.open(name, in: folder, flags: flags) } catch {
                try refuseLink(name, in: folder, at: reached)
                guard creating else {
                    if error == .noSuchFileOrDirectory || error == .notDirectory { throw .fileMissing(path: shown.string) }
                    throw .io(.open, path: reached.string, error)
                }
                guard error == .noSuchFileOrDirectory, !made else { throw .io(.createFolder, path: reached.string, error) }
            }
            do { try Posix.makeFolder(name, in: folder) } catch {
                // Made by another thread meanwhile is fine; the next open tells what it is.
                if error != .fileExists { throw .io(.createFolder, path: reached.string, error) }
            }
            made = true
        }
    }

    /// Throws `symlinkRefused` naming `path` when `name` in `folder` is a symbolic link.
    private func refuseLink(_ name: FilePath.Component, in folder: CInt, at path: FilePath) throws(StorageError) {
        if let status = try? Posix.status(of: name, in: folder), status.kind == .symlink {
            throw .symlinkRefused(path: path.string)
        }
    }

    /// Checks that `descriptor` is a regular file and makes it blocking; closes it on failure.
    private func finishOpening(_ descriptor: CInt, _ shown: FilePath) throws(StorageError) -> FileDescriptor {
        let file = FileDescriptor(rawValue: descriptor)
        do throws(StorageError) {
            let status: Posix.Status
            do { status = try Posix.status(file) } catch { throw StorageError.io(.inspect, path: shown.string, error) }
            switch status.kind {
            case .regular: break
            case .directory: throw StorageError.io(.open, path: shown.string, .isDirectory)
            case .symlink, .other: throw StorageError.notAFileOrFolder(path: shown.string)
            }
            do { try Posix.makeBlocking(descriptor) } catch { throw StorageError.io(.open, path: shown.string, error) }
        } catch {
            try? file.close()
            throw error
        }
        return file
    }
}
