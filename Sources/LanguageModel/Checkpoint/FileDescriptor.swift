import Files
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A POSIX file descriptor with the few calls checkpoints need, each turning
/// `errno` into a `CheckpointError.io` that names `path`.
///
/// POSIX rather than `FileHandle` because `pread` reads at an offset without
/// shared seek state and reports a short read at end of file instead of trapping.
struct FileDescriptor {
    /// The open descriptor.
    let rawValue: Int32
    /// The path errors report (for a temporary file, the file being saved).
    let path: String

    /// Opens `openPath` with `flags` (and `mode` when creating); errors name `path`.
    /// A file opened to be read must be a regular file (`requireRegular`).
    static func openFile(
        _ openPath: String, flags: Int32, mode: mode_t = 0, reporting path: String, operation: String
    ) throws -> FileDescriptor {
        let readsAFile = reads(flags)
        while true {
            let descriptor = open(openPath, flags | O_CLOEXEC | (readsAFile ? O_NONBLOCK : 0), mode)
            if descriptor >= 0 {
                let file = FileDescriptor(rawValue: descriptor, path: path)
                if readsAFile { try file.requireRegular(operation: operation) }
                return file
            }
            if errno != EINTR { throw currentError(path: path, operation: operation) }
        }
    }

    /// Whether `flags` open a file (not a directory) only to read it: it is then
    /// opened without blocking, so that a FIFO can be refused rather than waited on.
    private static func reads(_ flags: Int32) -> Bool { flags & O_DIRECTORY == 0 && flags & O_ACCMODE == O_RDONLY }

    /// Opens `name` inside the open `directory` (`openat`; relative to the
    /// working directory when nil), so that a directory renamed or swapped
    /// meanwhile is still the one read. Nil when nothing is there (`ENOENT`,
    /// or `ENOTDIR` for a file where a directory was named); errors name `path`.
    /// A file opened to be read must be a regular file (`requireRegular`).
    static func openIfPresent(
        _ name: String, in directory: FileDescriptor?, flags: Int32, reporting path: String, operation: String
    ) throws -> FileDescriptor? {
        let readsAFile = reads(flags)
        while true {
            let descriptor = openat(directory?.rawValue ?? AT_FDCWD, name, flags | O_CLOEXEC | (readsAFile ? O_NONBLOCK : 0))
            if descriptor >= 0 {
                let file = FileDescriptor(rawValue: descriptor, path: path)
                if readsAFile { try file.requireRegular(operation: operation) }
                return file
            }
            if errno == ENOENT || errno == ENOTDIR { return nil }
            if errno != EINTR { throw currentError(path: path, operation: operation) }
        }
    }

    /// Closes the file and throws unless it is a regular file: a FIFO would
    /// block a read forever and a device never end.
    func requireRegular(operation: String) throws {
        var status = stat()
        guard fstat(rawValue, &status) == 0 else {
            defer { closeIgnoringErrors() }
            throw Self.currentError(path: path, operation: operation)
        }
        guard status.st_mode & S_IFMT == S_IFREG else {
            closeIgnoringErrors()
            throw CheckpointError.refused(path: path,
                                          problem: OutsideFile.describe(status.st_mode & S_IFMT) + ", not a regular file; give a regular file")
        }
    }

    /// Creates the file `filePath` (it must not exist), writes `bytes`, flushes
    /// it to the storage device and closes it; on failure the file is removed.
    /// Errors name `path`.
    static func writeNewFile(_ filePath: String, reporting path: String, bytes: [UInt8]) throws {
        let file = try openFile(filePath, flags: O_WRONLY | O_CREAT | O_EXCL, mode: 0o644, reporting: path, operation: "create")
        var isOpen = true
        do {
            try bytes.withUnsafeBytes { try file.writeFully($0) }
            try file.synchronize()
            isOpen = false
            try file.closeFile()
        } catch {
            if isOpen { file.closeIgnoringErrors() }
            _ = unlink(filePath)
            throw error
        }
    }

    /// Flushes a directory's entries to the storage device (after a rename in
    /// it); a failure only weakens crash safety, so it is ignored.
    static func synchronizeDirectory(_ path: String) {
        guard let handle = try? openFile(path, flags: O_RDONLY | O_DIRECTORY, reporting: path, operation: "open")
        else { return }
        try? handle.synchronize()
        handle.closeIgnoringErrors()
    }

    /// `CheckpointError.io` for the current `errno`.
    static func currentError(path: String, operation: String) -> CheckpointError {
        .io(path: path, operation: operation, reason: String(cString: strerror(errno)))
    }

    /// The file's current size in bytes.
    func size() throws -> Int {
        var status = stat()
        guard fstat(rawValue, &status) == 0 else {
            throw Self.currentError(path: path, operation: "read the file size")
        }
        return Int(status.st_size)
    }

    /// Reads into `buffer` from `offset` until it is full or the file ends;
    /// returns the number of bytes read (less than `buffer.count` only at end of file).
    func readFully(into buffer: UnsafeMutableRawBufferPointer, at offset: Int) throws -> Int {
        var done = 0
        while done < buffer.count {
            let result = pread(rawValue, buffer.baseAddress! + done, buffer.count - done, off_t(offset + done))
            if result == 0 { break }
            if result < 0 {
                if errno == EINTR { continue }
                throw Self.currentError(path: path, operation: "read")
            }
            done += result
        }
        return done
    }

    /// The whole file from its start, read until end of file; refused past `limit` bytes.
    func readToEnd(limit: Int = OutsideFile.defaultLimit) throws -> [UInt8] {
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = try chunk.withUnsafeMutableBytes { try readFully(into: $0, at: bytes.count) }
            bytes += chunk[0..<count]
            if bytes.count > limit {
                throw CheckpointError.refused(path: path, problem: "more than the \(OutsideFile.bytes(limit)) read here; give a smaller file")
            }
            if count < chunk.count { return bytes }
        }
    }

    /// Whether `path` still names the file or directory open here (same device
    /// and inode): false once another has been renamed or swapped into its place.
    func isStill(at path: String) -> Bool {
        var mine = stat(), theirs = stat()
        guard fstat(rawValue, &mine) == 0, stat(path, &theirs) == 0 else { return false }
        return mine.st_dev == theirs.st_dev && mine.st_ino == theirs.st_ino
    }

    /// Writes all of `buffer` at the current position.
    func writeFully(_ buffer: UnsafeRawBufferPointer) throws {
        var done = 0
        while done < buffer.count {
            let result = write(rawValue, buffer.baseAddress! + done, buffer.count - done)
            if result < 0 {
                if errno == EINTR { continue }
                throw Self.currentError(path: path, operation: "write")
            }
            done += result
        }
    }

    /// Flushes the file's data to the storage device (`fsync`).
    func synchronize() throws {
        guard fsync(rawValue) == 0 else { throw Self.currentError(path: path, operation: "flush to disk") }
    }

    /// Closes the descriptor, reporting a failure (which can mean lost written data).
    func closeFile() throws {
        guard close(rawValue) == 0 else { throw Self.currentError(path: path, operation: "close") }
    }

    /// Closes the descriptor on a path that is already failing or only read.
    func closeIgnoringErrors() {
        _ = close(rawValue)
    }
}
