import Foundation

/// A model's tensors across the safetensors files that hold them: the one
/// model.safetensors, or the shards that model.safetensors.index.json maps
/// each tensor to (its `weight_map`, as transformers' `save_pretrained`
/// writes for large models). Every file is open; reads go to the file that
/// holds the tensor.
public struct ModelWeights: Sendable {
    /// The files, in the order first named.
    public let files: [SafetensorsFile]
    /// Each tensor's file (an index into `files`).
    private let fileOf: [String: Int]

    /// Every tensor, by name.
    public var tensors: [String: SafetensorsTensor] {
        fileOf.reduce(into: [:]) { out, entry in out[entry.key] = files[entry.value].tensors[entry.key] }
    }
    /// Every tensor name, by file and then by position in it.
    public var names: [String] { files.flatMap { f in f.names.filter { fileOf[$0] != nil } } }

    /// The weights of one file.
    init(single file: SafetensorsFile) {
        files = [file]
        fileOf = Dictionary(uniqueKeysWithValues: file.names.map { ($0, 0) })
    }

    /// The weights of an index's shards, opened with `open` (a shard's file name to the open file).
    /// - Throws: `ModelFileError.badConfig` naming the index when it is malformed or names a
    ///   tensor that its shard does not hold; the shard's error when one cannot be opened.
    init(index data: Data, indexPath: String, open: (String) throws -> SafetensorsFile) throws {
        func bad(_ reason: String) -> ModelFileError { .badConfig(path: indexPath, reason: reason) }
        guard let root = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let map = root["weight_map"] as? [String: Any] else {
            throw bad("model.safetensors.index.json has no weight_map object")
        }
        var files: [SafetensorsFile] = [], byName: [String: Int] = [:], fileOf: [String: Int] = [:]
        for (tensor, value) in map.sorted(by: { $0.key < $1.key }) {
            guard let shard = value as? String, !shard.isEmpty, !shard.contains("/"), shard != "..", shard.hasSuffix(".safetensors") else {
                throw bad("weight_map gives \(tensor) the file \(value), not a .safetensors file in this directory")
            }
            let index: Int
            if let known = byName[shard] { index = known } else {
                index = files.count
                byName[shard] = index
                files.append(try open(shard))
            }
            guard files[index].tensors[tensor] != nil else {
                throw bad("weight_map puts \(tensor) in \(shard), which does not hold it")
            }
            fileOf[tensor] = index
        }
        self.files = files
        self.fileOf = fileOf
    }

    /// The file that holds `name`, for error messages.
    public func url(of name: String) -> URL? { fileOf[name].map { files[$0].url } }

    /// Reads tensor `name` as `count` floats into `destination` (see `SafetensorsFile.readFloats`).
    public func readFloats(_ name: String, into destination: UnsafeMutablePointer<Float>, count: Int) throws {
        try file(of: name).readFloats(name, into: destination, count: count)
    }

    /// Reads tensor `name` as `count` bfloat16 values into `destination` (see `SafetensorsFile.readBFloat16`).
    public func readBFloat16(_ name: String, into destination: UnsafeMutablePointer<UInt16>, count: Int) throws {
        try file(of: name).readBFloat16(name, into: destination, count: count)
    }

    private func file(of name: String) throws -> SafetensorsFile {
        guard let i = fileOf[name] else {
            throw ModelFileError.missingTensor(path: files.first?.url.path ?? "", tensor: name)
        }
        return files[i]
    }
}
