import Foundation
import Kernels

extension GPT {
    /// The file names of a model directory, as Hugging Face's `save_pretrained` writes them.
    public static let configFileName = "config.json", weightsFileName = "model.safetensors",
                      tokenizerFileName = "tokenizer.json", weightsIndexFileName = "model.safetensors.index.json"

    /// Writes `config.json`, `model.safetensors` (F32 — a bfloat16 model's
    /// matrices BF16 —, Hugging Face's names and
    /// layout for the family: GPT-2's Conv1D, the Llama family's Linear; a tied
    /// LM head not repeated, a scalar head as `score.weight`)
    /// and, given a `tokenizer`, `tokenizer.json` (and `tokenizer_config.json` with its
    /// chat template, when it has one) as one directory at `directory`:
    /// built beside it and swapped in whole (`ModelDirectory.replace`), so that
    /// a crash leaves the old model there or the new one, never a mix.
    /// The bos/eos/pad ids are those of the file the model came from (`tokenIDs`),
    /// else `endToken` is all three; `chatFormat` marks a
    /// model that answers in the chat format.
    ///
    /// - Parameter replacingModel: whether a model already at `directory` may
    ///   be replaced; other files there are never replaced (the save is refused).
    /// - Throws: `ModelFileError` when `directory` is a file, holds a model (and
    ///   `replacingModel` is false) or other files; `CheckpointError` when a
    ///   file cannot be written. `directory` is then as it was.
    public func save(
        to directory: URL, tokenizer: BPETokenizer? = nil, endToken: Int? = nil, chatFormat: Bool = false,
        replacingModel: Bool = false
    ) throws {
        if lora != nil {  // a whole model: the adapters folded in (saveAdapter writes them alone)
            return try merged().save(to: directory, tokenizer: tokenizer, endToken: endToken, chatFormat: chatFormat,
                                     replacingModel: replacingModel)
        }
        let tensors = layout.specs.map { spec in
            (name: spec.name, shape: spec.shape, data: spec.inBase ? matrix(spec.offset) : .float(parameters.pointer + spec.offset))
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let json = try encoder.encode(HuggingFaceConfig(config, scalarHead: hasScalarHead, endToken: endToken, tokenIDs: tokenIDs,
                                                         chatFormat: chatFormat, precision: precision))
        try ModelDirectory.replace(directory, replacingModel: replacingModel) { building in
            // Errors name the file at its final place, not in the hidden directory.
            func paths(_ name: String) -> (write: String, report: String) {
                (building.appendingPathComponent(name).path, directory.appendingPathComponent(name).path)
            }
            // transformers refuses safetensors files without this format tag.
            try Safetensors.write(paths(Self.weightsFileName).write, reporting: paths(Self.weightsFileName).report,
                                  tensors: tensors, metadata: ["format": "pt"])
            try FileDescriptor.writeNewFile(paths(Self.configFileName).write, reporting: paths(Self.configFileName).report,
                                            bytes: Array(json) + Array("\n".utf8))
            if let tokenizer {
                try FileDescriptor.writeNewFile(paths(Self.tokenizerFileName).write,
                                                reporting: paths(Self.tokenizerFileName).report,
                                                bytes: Array(TokenizerJSON.jsonText(for: tokenizer).utf8))
                if let template = tokenizer.chatTemplate {
                    try FileDescriptor.writeNewFile(paths(TokenizerConfig.fileName).write,
                                                    reporting: paths(TokenizerConfig.fileName).report,
                                                    bytes: Array(TokenizerConfig.jsonText(for: template).utf8))
                }
            }
        }
    }

    /// Loads a model directory written by `save` or by Hugging Face (GPT2LMHeadModel
    /// or GPT2ForSequenceClassification with one label, names with or without the
    /// `transformer.` prefix; LlamaForCausalLM, Qwen2ForCausalLM, MistralForCausalLM
    /// or their ForSequenceClassification with one label; F32, F16 or BF16), from one snapshot of its files
    /// (`ModelDirectorySnapshot`). Every shape is checked against config.json
    /// before the parameters are allocated.
    ///
    /// - Parameter precision: how to hold the base matrices; nil holds them as the
    ///   file does (bfloat16 when every one is BF16, else binary32, widening F16).
    public static func load(from directory: URL, precision: Precision? = nil) throws -> GPT {
        try load(from: ModelDirectorySnapshot.open(directory), precision: precision)
    }

    /// Loads the model of an open `snapshot`: its config.json and the tensors of
    /// its model.safetensors, all read from the files opened with it.
    public static func load(from snapshot: ModelDirectorySnapshot, precision: Precision? = nil) throws -> GPT {
        let hf = snapshot.config
        let configURL = snapshot.url.appendingPathComponent(configFileName)
        var config = try hf.engineConfig(path: configURL.path)
        let file = snapshot.weights
        let path = file.files.count == 1 ? file.files[0].url.path
            : snapshot.url.appendingPathComponent(weightsIndexFileName).path
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
        let notes = try untieAHeadOfItsOwn(&config, scalarHead: scalarHead, file: file, fileName: fileName, configPath: configURL.path)
        let matrices = ParameterLayout(config: config, scalarHead: scalarHead).specs.filter(\.role.isBaseMatrix)
        let precision = precision ?? (matrices.allSatisfy { fileName($0.name).flatMap { file.tensors[$0]?.dtype } == .bfloat16 }
            ? .bfloat16 : .float32)
        let layout = ParameterLayout(config: config, scalarHead: scalarHead, precision: precision)
        let needed = layout.parameterBytes
        if let available = Machine.memoryAvailable(), needed > available {
            throw ModelFileError.tooLarge(path: snapshot.url.path, parameters: layout.parameterCount, needed: needed, room: Machine.room(available),
                                          bfloat16: precision == .bfloat16)
        }
        var used: Set<String> = []
        for spec in layout.specs {
            guard let name = fileName(spec.name) else { throw ModelFileError.missingTensor(path: path, tensor: spec.name) }
            let found = file.tensors[name]!.shape
            if found != spec.shape {
                throw ModelFileError.wrongShape(path: file.url(of: name)?.path ?? path, tensor: name, expected: spec.shape, found: found)
            }
            used.insert(name)
        }
        for name in file.names where !used.contains(name) {
            // Tied heads, and the attention-mask and rotary buffers that older GPT-2 and Llama files carry.
            let tiedHead = name == "lm_head.weight" && file.tensors[name]!.shape == [config.vocabularySize, config.width]
            let buffer = name.hasSuffix(".attn.bias") || name.hasSuffix(".attn.masked_bias") || name.hasSuffix("rotary_emb.inv_freq")
            if !tiedHead && !buffer { throw ModelFileError.unexpectedTensor(path: file.url(of: name)?.path ?? path, tensor: name) }
        }
        let parameters = FloatBuffer(count: layout.count)
        for spec in layout.specs where !spec.inBase {
            try file.readFloats(fileName(spec.name)!, into: parameters.pointer + spec.offset, count: spec.count)
        }
        let bfloat16 = precision == .float32 ? nil : try BFloat16Buffer(count: layout.bfloat16Count) { p in
            for spec in layout.specs where spec.isBFloat16 {
                try file.readBFloat16(fileName(spec.name)!, into: p + spec.offset, count: spec.count)
            }
        }
        let model = GPT(config: config, scalarHead: scalarHead, parameters: parameters, base: bfloat16.map { .bfloat16($0) })
        model.tokenIDs = hf.tokenIDs
        model.loadNotes = notes
        return model
    }

    /// A config that ties the LM head to the token embedding while the file holds an
    /// `lm_head.weight` of its own that differs: transformers 5 then keeps the two apart
    /// ("…both are present in the checkpoints with different values, so we will NOT tie
    /// them"), and so does this loader, saying so; GPT-2, whose head is tied here, is
    /// refused. A head equal to the embedding is the tie itself and changes nothing.
    private static func untieAHeadOfItsOwn(_ config: inout GPTConfig, scalarHead: Bool, file: ModelWeights,
                                           fileName: (String) -> String?, configPath: String) throws -> [String] {
        let shape = [config.vocabularySize, config.width]
        guard config.tiedHead, !scalarHead, file.tensors["lm_head.weight"]?.shape == shape,
              let embedding = fileName(ParameterLayout(config: config, scalarHead: false).specs[0].name) else { return [] }
        func floats(_ name: String) throws -> [Float] {
            var values = [Float](repeating: 0, count: shape[0] * shape[1])
            try values.withUnsafeMutableBufferPointer { try file.readFloats(name, into: $0.baseAddress!, count: $0.count) }
            return values
        }
        guard try floats("lm_head.weight") != floats(embedding) else { return [] }
        guard config.family != .gpt2 else {
            throw ModelFileError.badConfig(path: configPath, reason: "tie_word_embeddings is true, but the weights hold an lm_head.weight "
                + "that differs from the token embedding; a GPT-2 model here has a tied head only")
        }
        config.tiedHead = false
        return ["config.json ties the LM head to the token embedding, but the weights hold a different lm_head.weight: "
            + "kept untied, as transformers 5 does (tie_word_embeddings false would say so)"]
    }
}
