import SystemPackage
import TorrentCore

#if canImport(Darwin)
import Darwin
#elseif canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Moves a torrent's files from one folder to another without ever losing one.
///
/// Each file is renamed when both folders share a file system; otherwise it is copied, flushed,
/// read back and compared, and only then is the original deleted. Nothing is deleted before every
/// file has arrived: when a step fails half-way, the files already moved are moved back (renames
/// undone, copies deleted), so every file is complete in the old folder and the error says why.
/// An existing file at the destination is never overwritten. Files not on disk yet are skipped.
public enum DataMover {
    /// Bytes moved so far and bytes to move.
    public typealias Progress = @Sendable (_ done: Int64, _ total: Int64) -> Void

    /// Why a move did not happen; the files are all in `source` still.
    public struct Failure: Error, Sendable, Equatable, CustomStringConvertible {
        public var error: StorageError
        /// Files that could not be put back (only if undoing failed too); normally empty.
        public var strandedInTarget: [String]

        public var description: String {
            guard !strandedInTarget.isEmpty else { return "\(error); every file is still in the old folder" }
            return "\(error); could not move back \(strandedInTarget.joined(separator: ", ")), "
                + "which are complete in the new folder"
        }
    }

    private enum Step {
        case renamed(from: FilePath, to: FilePath)
        case copied(from: FilePath, to: FilePath)
    }

    /// Moves every file of `layout` under `source` to the same place under `target`.
    /// Returns the problems met while tidying up the old folder (the move itself succeeded).
    @discardableResult
    public static func move(_ layout: FileLayout, from source: String, to target: String,
                            progress: Progress? = nil) throws(Failure) -> [StorageError] {
        let from = FilePath(source), to = FilePath(target)
        var files: [(relative: FilePath, size: Int64)] = []
        for file in layout.files where !file.isPadding {
            let relative: FilePath
            do throws(StorageError) { relative = try FileStorage.relativePath(of: file) } catch {
                throw Failure(error: error, strandedInTarget: [])
            }
            guard let status = try? Posix.status(from.pushing(relative), followSymlinks: false) else { continue }
            guard status.kind == .regular else {
                throw Failure(error: .notAFileOrFolder(path: from.pushing(relative).string), strandedInTarget: [])
            }
            if (try? Posix.status(to.pushing(relative), followSymlinks: false)) != nil {
                throw Failure(error: .io(.rename, path: to.pushing(relative).string, .fileExists), strandedInTarget: [])
            }
            files.append((relative, status.size))
        }
        let total = files.reduce(Int64(0)) { $0 + $1.size }
        var done: Int64 = 0
        var steps: [Step] = []
        for file in files {
            let old = from.pushing(file.relative), new = to.pushing(file.relative)
            do throws(StorageError) {
                if let parent = Posix.parentOf(new) { try Posix.createFolders(parent) }
                steps.append(try moveOne(old, to: new))
            } catch {
                throw Failure(error: error, strandedInTarget: undo(steps))
            }
            done += file.size
            progress?(done, total)
        }
        // Every file has arrived: only now do the originals of copies go.
        var problems: [StorageError] = []
        var folders: Set<FilePath> = []
        for step in steps {
            let old: FilePath
            switch step {
            case .renamed(let from, _): old = from
            case .copied(let from, _):
                old = from
                do throws(Errno) { try Posix.remove(from) } catch {
                    problems.append(.io(.remove, path: from.string, error))
                }
            }
            var parent = old
            while parent.removeLastComponent(), parent != from, parent.starts(with: from) { folders.insert(parent) }
        }
        for folder in folders.sorted(by: { $0.components.count > $1.components.count }) {
            _ = folder.withPlatformString { rmdir($0) }  // only empty folders go; the rest stay
        }
        return problems
    }

    private static func moveOne(_ old: FilePath, to new: FilePath) throws(StorageError) -> Step {
        do throws(Errno) {
            try Posix.move(old, to: new)
            return .renamed(from: old, to: new)
        } catch let error where error == .improperLink {
            try copyAndVerify(old, to: new)
            return .copied(from: old, to: new)
        } catch {
            throw .io(.rename, path: new.string, error)
        }
    }

    /// Copies `old` to a new file `new`, flushes it, and compares it byte for byte with `old`;
    /// on any failure `new` is deleted again.
    static func copyAndVerify(_ old: FilePath, to new: FilePath) throws(StorageError) {
        do throws(StorageError) {
            try copy(old, to: new)
            guard try sameContents(old, new) else { throw .io(.write, path: new.string, .ioError) }
        } catch {
            _ = try? Posix.remove(new)
            throw error
        }
    }

    private static let chunk = 1 << 20

    private static func copy(_ old: FilePath, to new: FilePath) throws(StorageError) {
        let input: FileDescriptor, output: FileDescriptor
        do { input = try FileDescriptor.open(old, .readOnly) } catch {
            throw .io(.open, path: old.string, code(of: error))
        }
        defer { try? input.close() }
        do {
            output = try FileDescriptor.open(new, .writeOnly, options: [.create, .exclusiveCreate],
                                             permissions: [.ownerReadWrite, .groupRead, .otherRead])
        } catch { throw .io(.create, path: new.string, code(of: error)) }
        defer { try? output.close() }
        var buffer = [UInt8](repeating: 0, count: chunk)
        while true {
            let count: Int
            do { count = try buffer.withUnsafeMutableBytes { try input.read(into: $0) } } catch {
                throw .io(.read, path: old.string, code(of: error))
            }
            if count == 0 { break }
            do {
                _ = try buffer.withUnsafeBytes { try output.writeAll(UnsafeRawBufferPointer(rebasing: $0[..<count])) }
            } catch {
                throw .io(.write, path: new.string, code(of: error))
            }
        }
        do throws(Errno) { try Posix.flush(output) } catch { throw .io(.flush, path: new.string, error) }
    }

    private static func sameContents(_ a: FilePath, _ b: FilePath) throws(StorageError) -> Bool {
        let first: FileDescriptor, second: FileDescriptor
        do { first = try FileDescriptor.open(a, .readOnly) } catch {
            throw .io(.open, path: a.string, code(of: error))
        }
        defer { try? first.close() }
        do { second = try FileDescriptor.open(b, .readOnly) } catch {
            throw .io(.open, path: b.string, code(of: error))
        }
        defer { try? second.close() }
        var left = [UInt8](repeating: 0, count: chunk), right = [UInt8](repeating: 0, count: chunk)
        while true {
            let readLeft: Int, readRight: Int
            do {
                readLeft = try left.withUnsafeMutableBytes { try first.read(into: $0) }
                readRight = try right.withUnsafeMutableBytes { try second.read(into: $0) }
            } catch { throw .io(.read, path: b.string, code(of: error)) }
            guard readLeft == readRight else { return false }
            if readLeft == 0 { return true }
            guard left[..<readLeft] == right[..<readRight] else { return false }
        }
    }

    /// Puts moved files back, newest first; returns those that could not be put back.
    private static func undo(_ steps: [Step]) -> [String] {
        var stranded: [String] = []
        for step in steps.reversed() {
            switch step {
            case .renamed(let from, let to):
                do throws(Errno) { try Posix.move(to, to: from) } catch { stranded.append(to.string) }
            case .copied(_, let to):
                _ = try? Posix.remove(to)  // the original is still in place
            }
        }
        return stranded
    }

    private static func code(of error: any Error) -> Errno { error as? Errno ?? .ioError }
}
