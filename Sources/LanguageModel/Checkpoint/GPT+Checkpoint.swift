import Foundation
import Kernels

extension GPT {
    /// The file names of a model directory, as Hugging Face's `save_pretrained` writes them.
    public static let configFileName = "config.json", weightsFileName = "model.safetensors"

    /// Writes `config.json` and `model.safetensors` (F32, GPT-2 names and
    /// Conv1D layout, the tied LM head not repeated, a scalar head as
    /// `score.weight`) into `directory`, creating it if needed. Each file is
    /// replaced atomically. `endToken` becomes the config's bos/eos/pad id;
    /// `chatFormat` marks a model that answers in the chat format.
    public func save(to directory: URL, endToken: Int? = nil, chatFormat: Bool = false) throws {
        let fm = FileManager.default
        do {
            try fm.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw CheckpointError.io(path: directory.path, operation: "create directory", reason: error.localizedDescription)
        }
        let tensors = layout.specs.map { (name: $0.name, shape: $0.shape, data: UnsafePointer(parameters.pointer + $0.offset)) }
        // transformers refuses safetensors files without this format tag.
        try Safetensors.write(directory.appendingPathComponent(Self.weightsFileName), tensors: tensors,
                              metadata: ["format": "pt"])
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let json = try encoder.encode(HuggingFaceConfig(config, scalarHead: hasScalarHead, endToken: endToken, chatFormat: chatFormat))
        let configURL = directory.appendingPathComponent(Self.configFileName)
        do {
            try (json + Data("\n".utf8)).write(to: configURL, options: .atomic)
        } catch {
            throw CheckpointError.io(path: configURL.path, operation: "write", reason: error.localizedDescription)
        }
    }

    /// Whether the model in `directory` was saved as a chat model (false when
    /// its config.json says nothing or cannot be read).
    public static func isChatModel(at directory: URL) -> Bool {
        guard let data = try? Data(contentsOf: directory.appendingPathComponent(configFileName)),
              let hf = try? JSONDecoder().decode(HuggingFaceConfig.self, from: data) else { return false }
        return hf.chatFormat ?? false
    }

    /// Loads a model directory written by `save` or by Hugging Face (GPT2LMHeadModel
    /// or GPT2ForSequenceClassification with one label; names with or without the
    /// `transformer.` prefix; F32, F16 or BF16). Every shape is checked against
    /// config.json before the parameters are allocated.
    public static func load(from directory: URL) throws -> GPT {
        let configURL = directory.appendingPathComponent(configFileName)
        guard FileManager.default.fileExists(atPath: configURL.path) else {
            throw ModelFileError.badConfig(path: directory.path, reason: "no config.json here (is it a model directory?)")
        }
        let hf: HuggingFaceConfig
        do {
            hf = try JSONDecoder().decode(HuggingFaceConfig.self, from: Data(contentsOf: configURL))
        } catch let error as DecodingError {
            throw ModelFileError.badConfig(path: configURL.path, reason: "config.json is not valid (\(describe(error)))")
        } catch {
            throw ModelFileError.badConfig(path: configURL.path, reason: "cannot read config.json (\(error.localizedDescription))")
        }
        let config = try hf.engineConfig(path: configURL.path)
        let weightsURL = directory.appendingPathComponent(weightsFileName)
        let file = try SafetensorsFile.open(weightsURL)
        let path = weightsURL.path
        // Map each of our names to the file's name for it.
        func fileName(_ name: String) -> String? {
            if file.tensors[name] != nil { return name }
            let bare = name.hasPrefix("transformer.") ? String(name.dropFirst("transformer.".count)) : name
            return file.tensors[bare] != nil ? bare : nil
        }
        let scalarHead = fileName("score.weight") != nil
        if let labels = hf.numLabels, scalarHead, labels != 1 {
            throw ModelFileError.badConfig(path: configURL.path, reason: "num_labels is \(labels); scalar heads have 1")
        }
        let layout = ParameterLayout(config: config, scalarHead: scalarHead)
        var used: Set<String> = []
        for spec in layout.specs {
            guard let name = fileName(spec.name) else { throw ModelFileError.missingTensor(path: path, tensor: spec.name) }
            let found = file.tensors[name]!.shape
            if found != spec.shape {
                throw ModelFileError.wrongShape(path: path, tensor: name, expected: spec.shape, found: found)
            }
            used.insert(name)
        }
        for name in file.names where !used.contains(name) {
            // Tied heads and attention-mask buffers that older GPT-2 files carry.
            let tiedHead = name == "lm_head.weight" && file.tensors[name]!.shape == [config.vocabularySize, config.width]
            let buffer = name.hasSuffix(".attn.bias") || name.hasSuffix(".attn.masked_bias")
            if !tiedHead && !buffer { throw ModelFileError.unexpectedTensor(path: path, tensor: name) }
        }
        let parameters = FloatBuffer(count: layout.count)
        for spec in layout.specs {
            try file.readFloats(fileName(spec.name)!, into: parameters.pointer + spec.offset, count: spec.count)
        }
        return GPT(config: config, scalarHead: scalarHead, parameters: parameters)
    }
}

/// A decoding error as one line: the key path and what was wrong.
private func describe(_ error: DecodingError) -> String {
    switch error {
    case let .typeMismatch(_, c), let .valueNotFound(_, c), let .keyNotFound(_, c), let .dataCorrupted(c):
        let path = c.codingPath.map(\.stringValue).joined(separator: ".")
        return path.isEmpty ? c.debugDescription : "\(path): \(c.debugDescription)"
    @unknown default:
        return "\(error)"
    }
}
