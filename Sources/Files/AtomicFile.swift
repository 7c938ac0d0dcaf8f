import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Saving a file whole or not at all: it is written beside its target under a
/// hidden name, `.NAME.rlhf-save-PID-RANDOM`, flushed, and renamed over the
/// target in one step. A save killed on the way leaves the old file whole and,
/// at worst, that hidden file, which the next save to the same place removes
/// (once its process is gone). Model saves build whole directories the same way.
public enum AtomicFile {
    /// What a hidden save's name has after the target's name.
    public static let marker = ".rlhf-save-"

    /// `.NAME.rlhf-save-PID-RANDOM`: a fresh hidden name for a save to `target`.
    public static func temporaryName(for target: URL) -> String {
        "." + target.lastPathComponent + marker + "\(getpid())-" + String(UInt32.random(in: .min ... .max), radix: 16)
    }

    /// Removes what saves to `target` left beside it when they were killed: the
    /// hidden files and directories whose process no longer runs. Failures are
    /// ignored (what is left is removed next time).
    public static func removeLeftovers(of target: URL) {
        let parent = target.deletingLastPathComponent()
        let prefix = "." + target.lastPathComponent + marker
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: parent.path) else { return }
        for name in names where name.hasPrefix(prefix) {
            guard let process = pid_t(name.dropFirst(prefix.count).prefix { $0 != "-" }), process > 0,
                  kill(process, 0) != 0, errno == ESRCH
            else { continue }
            try? FileManager.default.removeItem(at: parent.appendingPathComponent(name))
        }
    }

    /// Writes `data` to `url` whole (see the type). A symbolic link at `url` is
    /// followed: the file it points to is the one replaced.
    public static func write(_ data: Data, to url: URL) throws(OutsideFileError) {
        let target = url.standardizedFileURL.resolvingSymlinksInPath()
        let parent = target.deletingLastPathComponent()
        func fail(_ what: String) -> OutsideFileError {
            OutsideFileError(path: url.path, problem: "cannot \(what) (\(String(cString: strerror(errno))))")
        }
        removeLeftovers(of: target)
        let temporary = parent.appendingPathComponent(temporaryName(for: target)).path
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            if errno == ENOENT || errno == ENOTDIR {
                throw OutsideFileError(path: url.path, problem: "its folder \(parent.path) does not exist; make it first or give another path")
            }
            throw fail("create a file beside it")
        }
        var written = 0
        let wrote = data.withUnsafeBytes { raw -> Bool in
            while written < raw.count {
                let n = Glibc.write(fd, raw.baseAddress! + written, raw.count - written)
                if n < 0 { if errno == EINTR { continue }; return false }
                written += n
            }
            return true
        }
        guard wrote, fsync(fd) == 0 else {
            let error = fail("write it")
            close(fd)
            unlink(temporary)
            throw error
        }
        close(fd)
        guard rename(temporary, target.path) == 0 else {
            let error = fail("rename the written file to it")
            unlink(temporary)
            throw error
        }
        let directory = open(parent.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if directory >= 0 { _ = fsync(directory); close(directory) }  // the rename itself made durable
    }
}
