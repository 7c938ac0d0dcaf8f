import CFileSystem
import Files
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

extension ModelDirectory {
    /// Puts a new model directory at `url` as a whole:
    ///
    /// 1. refuses a target that holds other files than a model's, or a model
    ///    when `replacingModel` is false (`check`), before writing anything;
    /// 2. removes the hidden directories that killed saves of `url` left beside
    ///    it (those whose process is gone);
    /// 3. makes `.NAME.rlhf-save-PID-RANDOM` beside `url`, lets `writeFiles`
    ///    write every file into it (each flushed with `fsync`), and flushes it;
    /// 4. swaps it with `url` in one atomic step (Linux `renameat2` with
    ///    `RENAME_EXCHANGE`, Darwin `renamex_np` with `RENAME_SWAP`), or
    ///    renames it into place when nothing is at `url`;
    /// 5. checks what it swapped out once more (were files put there meanwhile,
    ///    it swaps back and throws: they are never deleted), flushes the parent
    ///    directory, and removes the old model.
    ///
    /// A crash or kill at any moment leaves at `url` either the old directory
    /// or the new one, each whole, and at worst a hidden directory beside it,
    /// which the next save removes. A symbolic link at `url` is followed: the
    /// directory it points to is the one replaced.
    ///
    /// - Throws: `ModelFileError` (`notADirectory`, `holdsModel`,
    ///   `holdsOtherFiles`, `cannotSwap`), `CheckpointError.io`, or what
    ///   `writeFiles` throws; on any error `url` is as it was.
    static func replace(_ url: URL, replacingModel: Bool, writeFiles: (URL) throws -> Void) throws {
        let target = url.standardizedFileURL.resolvingSymlinksInPath()
        let parent = target.deletingLastPathComponent()
        let existing = try contents(of: target)
        try check(existing, at: url, replacingModel: replacingModel)
        do {
            try FileManager.default.createDirectory(at: parent, withIntermediateDirectories: true)
        } catch {
            throw CheckpointError.io(path: parent.path, operation: "create directory", reason: error.localizedDescription)
        }
        AtomicFile.removeLeftovers(of: target)

        let building = parent.appendingPathComponent(AtomicFile.temporaryName(for: target))
        guard mkdir(building.path, 0o755) == 0 else {
            throw FileDescriptor.currentError(path: building.path, operation: "create directory")
        }
        // Whatever ends up under the building name (the unfinished new model,
        // or the old one after the swap) goes, unless it holds someone's files.
        var removesBuilding = true
        defer { if removesBuilding { try? FileManager.default.removeItem(at: building) } }
        try writeFiles(building)
        FileDescriptor.synchronizeDirectory(building.path)

        guard existing != nil else {
            guard rename(building.path, target.path) == 0 else {
                throw FileDescriptor.currentError(path: url.path, operation: "rename \(building.path) to it")
            }
            FileDescriptor.synchronizeDirectory(parent.path)
            return
        }
        let wasWorkingDirectory = isWorkingDirectory(target)
        try exchange(building, target, reporting: url.path)
        do {
            try check(try contents(of: building), at: url, replacingModel: replacingModel)
        } catch {
            do { try exchange(building, target, reporting: url.path) } catch { removesBuilding = false }
            throw error
        }
        // The process's working directory moved with the old directory: follow the path.
        if wasWorkingDirectory { _ = chdir(target.path) }
        FileDescriptor.synchronizeDirectory(parent.path)
    }

    /// Swaps the directory entries `a` and `b` in one atomic step.
    private static func exchange(_ a: URL, _ b: URL, reporting path: String) throws {
        guard rlhf_exchange_paths(a.path, b.path) == 0 else {
            let reason = String(cString: strerror(errno))
            if errno == EINVAL || errno == ENOTSUP || errno == ENOSYS || errno == EOPNOTSUPP {
                throw ModelFileError.cannotSwap(path: path, reason: reason)
            }
            throw CheckpointError.io(path: path, operation: "swap the new model in", reason: reason)
        }
    }

    /// Whether `url` is the process's working directory (same device and inode).
    private static func isWorkingDirectory(_ url: URL) -> Bool {
        guard let here = try? FileDescriptor.openIfPresent(
            ".", in: nil, flags: O_RDONLY | O_DIRECTORY, reporting: ".", operation: "open")
        else { return false }
        defer { here.closeIgnoringErrors() }
        return here.isStill(at: url.path)
    }
}
