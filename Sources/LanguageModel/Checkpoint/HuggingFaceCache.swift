import Files
import Foundation

/// The Hugging Face hub's local cache, read offline: a model `ORG/NAME`
/// downloaded by `huggingface_hub` (`hf download`, `from_pretrained`) lives in
/// `$HF_HUB_CACHE` (default `$HF_HOME/hub`, `$HF_HOME` defaulting to
/// `$XDG_CACHE_HOME/huggingface`, that to `~/.cache/huggingface`) as
/// `models--ORG--NAME/snapshots/COMMIT/…`, with `refs/main` holding the commit
/// of the main branch (huggingface_hub's file_download.py and constants.py).
/// Nothing here downloads.
public struct HuggingFaceCache: Sendable {
    /// The hub cache folder.
    public let root: URL

    /// The cache at `root` (a hub folder holding models--ORG--NAME folders).
    public init(root: URL) { self.root = root }

    /// The cache the environment names, as huggingface_hub finds it.
    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        if let hub = environment["HF_HUB_CACHE"] ?? environment["HUGGINGFACE_HUB_CACHE"], !hub.isEmpty {
            root = URL(fileURLWithPath: (hub as NSString).expandingTildeInPath)
            return
        }
        let home = environment["HF_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? ((environment["XDG_CACHE_HOME"].flatMap { $0.isEmpty ? nil : $0 }
                 ?? ((environment["HOME"] ?? NSHomeDirectory()) as NSString).appendingPathComponent(".cache")) as NSString)
                .appendingPathComponent("huggingface")
        root = URL(fileURLWithPath: ((home as NSString).expandingTildeInPath as NSString).appendingPathComponent("hub"))
    }

    /// Whether `text` reads as a hub id `ORG/NAME` (the hub's allowed characters, no `..`).
    public static func isRepositoryID(_ text: String) -> Bool {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2 else { return false }
        return parts.allSatisfy { part in
            !part.isEmpty && part.count <= 96 && !part.contains("..") && part != "." && part.first != "-"
                && part.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) }
        }
    }

    /// The snapshot folder of `id` at its main branch: `refs/main`'s commit, or the
    /// only snapshot when there is no ref.
    public func snapshot(of id: String) throws -> URL {
        precondition(Self.isRepositoryID(id), "not a hub id: \(id)")
        let folder = root.appendingPathComponent("models--" + id.replacingOccurrences(of: "/", with: "--"))
        let snapshots = folder.appendingPathComponent("snapshots")
        let fm = FileManager.default
        guard fm.fileExists(atPath: snapshots.path) else { throw HuggingFaceCacheError.notCached(id: id, cache: root.path, cached: cachedModels()) }
        if let commit = try readRef(folder.appendingPathComponent("refs/main")) {
            let snapshot = snapshots.appendingPathComponent(commit)
            guard fm.fileExists(atPath: snapshot.appendingPathComponent("config.json").path) else {
                throw HuggingFaceCacheError.incomplete(id: id, snapshot: snapshot.path)
            }
            return snapshot
        }
        let all = ((try? fm.contentsOfDirectory(atPath: snapshots.path)) ?? []).filter { !$0.hasPrefix(".") }.sorted()
        guard all.count == 1 else {
            throw all.isEmpty ? HuggingFaceCacheError.notCached(id: id, cache: root.path, cached: cachedModels())
                : HuggingFaceCacheError.ambiguous(id: id, snapshots: all)
        }
        let snapshot = snapshots.appendingPathComponent(all[0])
        guard fm.fileExists(atPath: snapshot.appendingPathComponent("config.json").path) else {
            throw HuggingFaceCacheError.incomplete(id: id, snapshot: snapshot.path)
        }
        return snapshot
    }

    /// The commit a ref file names, nil when there is none; a ref that is not a
    /// plain folder name (a path, a huge file) is refused.
    private func readRef(_ url: URL) throws -> String? {
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        guard let data = try? OutsideFile.data(url.path, limit: 256) else { throw HuggingFaceCacheError.badRef(path: url.path) }
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty, text.count < 128, text.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) else {
            throw HuggingFaceCacheError.badRef(path: url.path)
        }
        return text
    }

    /// The models in the cache, as hub ids, sorted.
    public func cachedModels() -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? []
        return names.compactMap { name -> String? in
            guard name.hasPrefix("models--") else { return nil }
            let parts = name.dropFirst("models--".count).components(separatedBy: "--")
            guard parts.count == 2 else { return nil }
            let id = parts.joined(separator: "/")
            return Self.isRepositoryID(id) ? id : nil
        }.sorted()
    }
}

/// Why a hub id cannot be read from the cache.
public enum HuggingFaceCacheError: Error, Equatable, LocalizedError {
    case notCached(id: String, cache: String, cached: [String])
    case incomplete(id: String, snapshot: String)
    case ambiguous(id: String, snapshots: [String])
    case badRef(path: String)

    public var errorDescription: String? {
        switch self {
        case let .notCached(id, cache, cached):
            let list = cached.isEmpty ? "it holds no models" : "it holds " + cached.prefix(20).joined(separator: ", ")
                + (cached.count > 20 ? " and \(cached.count - 20) more" : "")
            return "\(id) is not in the Hugging Face cache at \(cache) (\(list)). Nothing downloads here: on a machine with "
                + "a network run `hf download \(id)` (huggingface_hub), copy its cache folder here (or set HF_HOME or "
                + "HF_HUB_CACHE to where it is), or give the model's folder as a path"
        case let .incomplete(id, snapshot):
            return "\(id)'s cached snapshot \(snapshot) has no config.json: the download is incomplete; download it again"
        case let .ambiguous(id, snapshots):
            return "\(id) has \(snapshots.count) cached snapshots (\(snapshots.prefix(4).joined(separator: ", "))) and no refs/main "
                + "saying which is current; give the snapshot folder as a path"
        case let .badRef(path):
            return "\(path) does not hold a commit id; the cache is damaged: download the model again"
        }
    }
}
