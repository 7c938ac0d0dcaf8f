import Foundation

/// A model directory as saves see it: which of its entries are a model's files
/// (and so may be replaced), and which belong to someone else (and so must
/// never be deleted by a save).
///
/// A saved model is `config.json`, `model.safetensors` and, when it has one,
/// `tokenizer.json` (with `tokenizer_config.json` when it has a chat template); nothing else. Writing one is `replace(_:replacingModel:writeFiles:)`.
public enum ModelDirectory {
    /// The files a saved model consists of.
    public static let modelFileNames: Set<String> = [
        GPT.configFileName, GPT.weightsFileName, GPT.tokenizerFileName, TokenizerConfig.fileName,
        GPT.adapterConfigFileName, GPT.adapterWeightsFileName,
    ]

    /// What a directory holds, sorted into a model's files and the rest.
    public struct Contents: Equatable, Sendable {
        /// Whether any of the model files (`modelFileNames`) is there.
        public var holdsModel: Bool
        /// The entries that are not a model's files, sorted: a user's files,
        /// folders, or another tool's files. A save never deletes them.
        public var otherEntries: [String]
    }

    /// What is at `url` now: nil when nothing is there.
    ///
    /// Hidden `.model.safetensors.tmp-…` files (left inside the directory by a
    /// killed save of earlier versions, which wrote file by file) count as the
    /// model's own.
    ///
    /// - Throws: `ModelFileError.notADirectory` when `url` is a file;
    ///   `CheckpointError.io` when the directory cannot be listed.
    public static func contents(of url: URL) throws -> Contents? {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else { return nil }
        guard isDirectory.boolValue else { throw ModelFileError.notADirectory(path: url.path) }
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: url.path)
        } catch {
            throw CheckpointError.io(path: url.path, operation: "list the directory", reason: error.localizedDescription)
        }
        let temporaryPrefix = "." + GPT.weightsFileName + ".tmp-"
        let isModelFile = { (name: String) in modelFileNames.contains(name) || name.hasPrefix(temporaryPrefix) }
        return Contents(holdsModel: names.contains(where: isModelFile),
                        otherEntries: names.filter { !isModelFile($0) }.sorted())
    }

    /// Refuses `contents` unless a save may take its place: no entries other
    /// than a model's, and a model only when `replacingModel`.
    static func check(_ contents: Contents?, at url: URL, replacingModel: Bool) throws {
        guard let contents else { return }
        guard contents.otherEntries.isEmpty else {
            throw ModelFileError.holdsOtherFiles(path: url.path, names: contents.otherEntries)
        }
        if contents.holdsModel && !replacingModel { throw ModelFileError.holdsModel(path: url.path) }
    }
}
