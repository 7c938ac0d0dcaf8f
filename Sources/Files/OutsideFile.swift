import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Why a file from elsewhere could not be read: the path and what to do.
public struct OutsideFileError: Error, LocalizedError, Equatable, Sendable {
    /// The file.
    public var path: String
    /// What is wrong and what to do, as a phrase ("no such file", "a named pipe (FIFO), not a regular file; …").
    public var problem: String

    public init(path: String, problem: String) {
        self.path = path
        self.problem = problem
    }

    public var errorDescription: String? { "\(path): \(problem)" }
}

/// Reading a file that came from elsewhere (a script, a dataset, a config, a
/// tokenizer, a template), which is hostile until checked: only a regular file
/// is opened (a FIFO or a device would block or never end), and only up to a
/// size limit, so that nothing in it runs unbounded.
public enum OutsideFile {
    /// The limit when a reader names none: 1 GiB, past any dataset, script or
    /// tokenizer this tool reads whole (weights are mapped, not read).
    public static let defaultLimit = 1 << 30

    /// The bytes of the regular file at `path`, refused past `limit` bytes.
    public static func data(_ path: String, limit: Int = defaultLimit) throws(OutsideFileError) -> Data {
        func fail(_ problem: String) -> OutsideFileError { OutsideFileError(path: path, problem: problem) }
        // O_NONBLOCK: opening a FIFO must not wait for a writer before fstat can refuse it.
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else {
            switch errno {
            case ENOENT: throw fail("no such file")
            case EACCES: throw fail("permission denied")
            case EISDIR: throw fail("a folder, not a file")
            default: throw fail("cannot open it (\(String(cString: strerror(errno))))")
            }
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw fail("cannot read its status (\(String(cString: strerror(errno))))") }
        let kind = info.st_mode & S_IFMT
        guard kind == S_IFREG else { throw fail("\(describe(kind)), not a regular file; give a regular file") }
        let size = Int(info.st_size)
        guard size <= limit else {
            throw fail("\(bytes(size)), more than the \(bytes(limit)) read here; give a smaller file")
        }
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)
        var out = Data(count: size)
        var done = 0
        let failed: Int32? = out.withUnsafeMutableBytes { raw -> Int32? in
            while done < size {
                let n = read(fd, raw.baseAddress! + done, size - done)
                if n < 0 { if errno == EINTR { continue }; return errno }
                if n == 0 { break }  // the file shrank while read: what is there
                done += n
            }
            return nil
        }
        if let failed { throw fail("cannot read it (\(String(cString: strerror(failed))))") }
        if done < size { out.count = done }
        return out
    }

    /// The text of the regular file at `path` as people write it (`Text.normalized`):
    /// refused when it is not UTF-8.
    public static func text(_ path: String, limit: Int = defaultLimit) throws(OutsideFileError) -> String {
        let bytes = try data(path, limit: limit)
        guard let text = String(data: bytes, encoding: .utf8) else {
            throw OutsideFileError(path: path, problem: "not UTF-8 text")
        }
        return Text.normalized(text)
    }

    /// Whether `path` names a regular file (following links).
    public static func isRegular(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && info.st_mode & S_IFMT == S_IFREG
    }

    /// What a file of type `kind` (`st_mode & S_IFMT`) is, in words.
    public static func describe(_ kind: mode_t) -> String {
        switch kind {
        case S_IFDIR: "a folder"
        case S_IFIFO: "a named pipe (FIFO)"
        case S_IFCHR: "a character device"
        case S_IFBLK: "a block device"
        case S_IFSOCK: "a socket"
        default: "a special file"
        }
    }

    /// A byte count as people read it: 512 bytes, 3.2 MB, 1.0 GB (binary multiples).
    public static func bytes(_ n: Int) -> String {
        if n < 1024 { return "\(n) bytes" }
        let units = ["KB", "MB", "GB", "TB"]
        var value = Double(n) / 1024, unit = 0
        while value >= 1024 && unit < units.count - 1 { value /= 1024; unit += 1 }
        return String(format: "%.1f %@", value, units[unit])
    }
}

/// Text as people write it, whatever their editor saved: a UTF-8 byte order
/// mark at the start is dropped, and Windows (CR LF) and old Mac (CR) line
/// endings become line feeds. Swift reads "\r\n" as one Character, so text
/// split on "\n" without this keeps a CRLF file as one line.
public enum Text {
    public static func normalized(_ text: String) -> String {
        var text = text
        if text.unicodeScalars.first == "\u{FEFF}" { text.unicodeScalars.removeFirst() }
        guard text.utf8.contains(13) else { return text }
        return text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
    }
}
