import Foundation
import LanguageModel
import Testing

/// The hub cache's folder, as huggingface_hub's constants.py finds it, and its layout.
@Suite struct HuggingFaceCacheTests {
    @Test func theEnvironmentNamesTheFolder() {
        func root(_ env: [String: String]) -> String { HuggingFaceCache(environment: env).root.path }
        #expect(root(["HF_HUB_CACHE": "/a/hub", "HF_HOME": "/b", "HOME": "/h"]) == "/a/hub")
        #expect(root(["HF_HOME": "/b", "XDG_CACHE_HOME": "/x", "HOME": "/h"]) == "/b/hub")
        #expect(root(["XDG_CACHE_HOME": "/x", "HOME": "/h"]) == "/x/huggingface/hub")
        #expect(root(["HOME": "/h"]) == "/h/.cache/huggingface/hub")
    }

    @Test func hubIDsAreTwoPlainParts() {
        for id in ["Qwen/Qwen3-0.6B", "google/gemma-3-270m-it", "a/b", "HuggingFaceTB/SmolLM3-3B"] {
            #expect(HuggingFaceCache.isRepositoryID(id), "\(id)")
        }
        for id in ["qwen", "a/b/c", "../x", "a/..", "/abs", "a/", "a/-b", "a/b c", "a/b\u{0}"] {
            #expect(!HuggingFaceCache.isRepositoryID(id), "\(id)")
        }
    }

    @Test func refsMainPicksTheSnapshotAndABadRefIsRefused() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("hf-cache-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let model = root.appendingPathComponent("models--org--m")
        for commit in ["aaaa", "bbbb"] {
            let snap = model.appendingPathComponent("snapshots/\(commit)")
            try FileManager.default.createDirectory(at: snap, withIntermediateDirectories: true)
            try Data("{}".utf8).write(to: snap.appendingPathComponent("config.json"))
        }
        let cache = HuggingFaceCache(root: root)
        #expect(throws: HuggingFaceCacheError.ambiguous(id: "org/m", snapshots: ["aaaa", "bbbb"])) { try cache.snapshot(of: "org/m") }
        try FileManager.default.createDirectory(at: model.appendingPathComponent("refs"), withIntermediateDirectories: true)
        try Data("bbbb\n".utf8).write(to: model.appendingPathComponent("refs/main"))
        #expect(try cache.snapshot(of: "org/m").lastPathComponent == "bbbb")
        try Data("../../etc".utf8).write(to: model.appendingPathComponent("refs/main"))
        #expect(throws: HuggingFaceCacheError.badRef(path: model.appendingPathComponent("refs/main").path)) { try cache.snapshot(of: "org/m") }
        #expect(cache.cachedModels() == ["org/m"])
        #expect(throws: HuggingFaceCacheError.notCached(id: "org/other", cache: root.path, cached: ["org/m"])) {
            try cache.snapshot(of: "org/other")
        }
    }
}
