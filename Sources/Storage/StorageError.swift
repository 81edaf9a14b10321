import SystemPackage

/// Why reading, writing, hashing or creating torrent data failed, with the file involved.
public enum StorageError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The system call that failed, named the way a user would say it.
    public enum Operation: Sendable, Equatable {
        case open, create, createFolder, read, write, resize, inspect, listFolder, rename, flush, remove
    }

    /// A file the torrent needs does not exist (or a folder on its path is missing).
    case fileMissing(path: String)
    /// A file ends before the bytes the torrent places in it.
    case unexpectedEndOfFile(path: String)
    /// A system call failed.
    case io(Operation, path: String, Errno)
    /// A file's path would lead outside the download folder.
    case unsafePath(String)
    /// A symbolic link sits where a torrent's folder or file goes inside the download folder;
    /// following it could read, overwrite or delete something outside the folder.
    case symlinkRefused(path: String)
    /// A write reached storage that was opened read-only.
    case readOnly(path: String)
    /// A request for bytes outside the piece or the torrent.
    case outOfRange(piece: Int, offset: Int, length: Int)
    /// Torrent creation found no bytes to share.
    case nothingToShare(path: String)
    /// Torrent creation met a name that cannot go into a torrent.
    case unsupportedName(path: String, reason: String)
    /// Something other than a regular file or a folder: where torrent creation was pointed, or in
    /// the place of a torrent's file (a FIFO, a device, a socket).
    case notAFileOrFolder(path: String)
    /// Torrent creation was given a piece length that is not usable.
    case invalidPieceLength(Int)

    public var description: String {
        switch self {
        case .fileMissing(let path): return "the file '\(path)' is missing"
        case .unexpectedEndOfFile(let path): return "the file '\(path)' is shorter than the torrent says"
        case .io(let operation, let path, let errno): return "cannot \(operation.verb) '\(path)': \(errno)"
        case .unsafePath(let path): return "refusing to use '\(path)': it would lie outside the download folder"
        case .symlinkRefused(let path):
            return "refusing to follow the symbolic link '\(path)' inside the download folder: "
                + "a torrent's files must be real files and folders there"
        case .readOnly(let path): return "cannot write '\(path)': the files were opened read-only"
        case .outOfRange(let piece, let offset, let length):
            return "bytes \(offset)..<\(offset + length) of piece \(piece) lie outside the torrent"
        case .nothingToShare(let path): return "'\(path)' holds no data to share (it is empty or has only empty files)"
        case .unsupportedName(let path, let reason): return "cannot share '\(path)': \(reason)"
        case .notAFileOrFolder(let path): return "'\(path)' is neither a regular file nor a folder"
        case .invalidPieceLength(let length):
            return "the piece length \(length) is not usable (it must be between 1 byte and 1 GiB)"
        }
    }

    /// True when the data is simply not there (missing or short file): the pieces are not valid,
    /// but nothing is broken.
    public var isMissingData: Bool {
        switch self {
        case .fileMissing, .unexpectedEndOfFile: return true
        default: return false
        }
    }
}

extension StorageError.Operation {
    var verb: String {
        switch self {
        case .open: return "open"
        case .create: return "create"
        case .createFolder: return "create the folder"
        case .read: return "read"
        case .write: return "write"
        case .resize: return "set the size of"
        case .inspect: return "inspect"
        case .listFolder: return "list the folder"
        case .rename: return "rename"
        case .flush: return "flush"
        case .remove: return "remove"
        }
    }
}
