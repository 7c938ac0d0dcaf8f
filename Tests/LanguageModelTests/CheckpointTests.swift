import Foundation
import Kernels
import LanguageModel
import Testing

/// Model directories: Hugging Face's layout in, ours out, checked against an
/// independent numpy GPT-2 (`Fixtures/gpt2_reference.py`).
@Suite struct CheckpointTests {
    static let fixture = SafetensorsFixtures.folder.appendingPathComponent("hf-gpt2")

    struct Expected: Decodable { let tokens: [Int32]; let logits: [Float] }

    /// Logits (T, V) of one sequence.
    static func logits(_ model: GPT, _ tokens: [Int32]) -> [Float] {
        model.forward(tokens: tokens, B: 1, T: tokens.count)
        return Array(UnsafeBufferPointer(start: model.logits, count: tokens.count * model.config.vocabularySize))
    }

    @Test func loadsAHuggingFaceCheckpointAndMatchesNumpy() throws {
        let model = try GPT.load(from: Self.fixture)
        #expect(model.config == GPTConfig(layers: 2, heads: 2, width: 16, contextLength: 8, vocabularySize: 23))
        #expect(!model.hasScalarHead)
        let expected = try JSONDecoder().decode(
            Expected.self, from: Data(contentsOf: Self.fixture.appendingPathComponent("expected.json")))
        let ours = Self.logits(model, expected.tokens)
        let worst = zip(ours, expected.logits).map { abs($0 - $1) }.max()!
        print("forward vs numpy GPT-2: max abs diff \(worst)")
        #expect(worst < 1e-4)
    }

    @Test(arguments: [false, true])
    func roundTripsAndPythonReadsIt(scalarHead: Bool) throws {
        let dir = try SafetensorsFixtures.makeDirectory()
        defer { SafetensorsFixtures.removeDirectory(dir) }
        let config = GPTConfig(layers: 2, heads: 4, width: 16, contextLength: 10, vocabularySize: 30)
        let model = GPT(config: config, scalarHead: scalarHead, seed: 8)
        var rng = Random(seed: 9)
        rng.fillNormal(model.parameters.pointer, model.parameterCount, std: 0.3)
        try model.save(to: dir, endToken: 29)
        let loaded = try GPT.load(from: dir)
        #expect(loaded.hasScalarHead == scalarHead && loaded.config == config)
        #expect(loaded.parameters.array == model.parameters.array)
        let hf = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("config.json"))) as! [String: Any]
        #expect(hf["n_embd"] as? Int == 16 && hf["eos_token_id"] as? Int == 29 && hf["model_type"] as? String == "gpt2")
        #expect((hf["architectures"] as? [String])?.first == (scalarHead ? "GPT2ForSequenceClassification" : "GPT2LMHeadModel"))
        // An independent reader sees GPT-2's names and Conv1D shapes.
        let reading = try PythonReader.read(dir.appendingPathComponent("model.safetensors"))
        #expect(reading.metadata["format"] == "pt")
        #expect(reading.tensors["transformer.h.1.attn.c_attn.weight"]?.shape == [16, 48])
        #expect(reading.tensors["transformer.h.0.mlp.c_proj.weight"]?.shape == [64, 16])
        #expect(reading.tensors["lm_head.weight"] == nil, "the LM head is tied, not stored")
        #expect((reading.tensors["score.weight"]?.shape == [1, 16]) == scalarHead)
        // And numpy's GPT-2 computes the same logits from the saved files.
        let tokens: [Int32] = [1, 4, 29, 0, 17]
        let output = try PythonReader.run([
            SafetensorsFixtures.folder.appendingPathComponent("gpt2_reference.py").path, "logits", dir.path,
            tokens.map(String.init).joined(separator: ","),
        ])
        let reference = try JSONDecoder().decode([Float].self, from: output)
        let worst = zip(Self.logits(loaded, tokens), reference).map { abs($0 - $1) }.max()!
        #expect(worst < 1e-4, "saved model vs numpy: max abs diff \(worst)")
    }

    /// Copies the fixture into a scratch directory and lets `edit` spoil it.
    static func spoiled(_ edit: (URL) throws -> Void) throws -> String {
        let dir = try SafetensorsFixtures.makeDirectory()
        defer { SafetensorsFixtures.removeDirectory(dir) }
        for name in ["config.json", "model.safetensors"] {
            try FileManager.default.copyItem(at: Self.fixture.appendingPathComponent(name), to: dir.appendingPathComponent(name))
        }
        try edit(dir)
        do {
            _ = try GPT.load(from: dir)
            return "loaded"
        } catch {
            return (error as? LocalizedError)?.errorDescription ?? "\(error)"
        }
    }

    static func rewriteConfig(_ dir: URL, _ change: (inout [String: Any]) -> Void) throws {
        let url = dir.appendingPathComponent("config.json")
        var json = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
        change(&json)
        try JSONSerialization.data(withJSONObject: json).write(to: url)
    }

    @Test func badModelDirectoriesSayWhatIsWrong() throws {
        let missing = try Self.spoiled { try FileManager.default.removeItem(at: $0.appendingPathComponent("config.json")) }
        #expect(missing.contains("no config.json here"), "\(missing)")
        let shape = try Self.spoiled { dir in try Self.rewriteConfig(dir) { $0["n_embd"] = 32 } }
        #expect(shape.contains("model.safetensors") && shape.contains("'wte.weight' has shape [23, 16]"), "\(shape)")
        let heads = try Self.spoiled { dir in try Self.rewriteConfig(dir) { $0["n_head"] = 3 } }
        #expect(heads.contains("n_embd (16) must be a multiple of n_head (3)"), "\(heads)")
        let type = try Self.spoiled { dir in try Self.rewriteConfig(dir) { $0["n_layer"] = "two" } }
        #expect(type.contains("n_layer"), "\(type)")
        let layers = try Self.spoiled { dir in try Self.rewriteConfig(dir) { $0["n_layer"] = 3 } }
        #expect(layers.contains("'transformer.h.2.ln_1.weight' is missing"), "\(layers)")
        let scaled = try Self.spoiled { dir in try Self.rewriteConfig(dir) { $0["scale_attn_by_inverse_layer_idx"] = true } }
        #expect(scaled.contains("attention scaling"), "\(scaled)")
        let listIds = try Self.spoiled { dir in try Self.rewriteConfig(dir) { $0["eos_token_id"] = [1, 2] } }
        #expect(listIds == "loaded", "token ids given as lists are not read: \(listIds)")
        let act = try Self.spoiled { dir in try Self.rewriteConfig(dir) { $0["activation_function"] = "relu" } }
        #expect(act.contains("relu"), "\(act)")
        let truncated = try Self.spoiled { dir in
            let url = dir.appendingPathComponent("model.safetensors")
            let data = try Data(contentsOf: url)
            try data.prefix(data.count - 100).write(to: url)
        }
        #expect(truncated.contains("truncated") && truncated.contains("model.safetensors"), "\(truncated)")
    }

    @Test func unexpectedTensorsAreRefused() throws {
        let dir = try SafetensorsFixtures.makeDirectory()
        defer { SafetensorsFixtures.removeDirectory(dir) }
        let model = GPT(config: GPTConfig(layers: 1, heads: 1, width: 4, contextLength: 4, vocabularySize: 5), seed: 1)
        try model.save(to: dir)
        let extra = FloatBuffer([1, 1, 1, 1])
        let tensors = model.layout.specs.map { (name: $0.name, shape: $0.shape, data: UnsafePointer(model.parameters.pointer + $0.offset)) }
            + [(name: "classifier.weight", shape: [4], data: UnsafePointer(extra.pointer))]
        try Safetensors.write(dir.appendingPathComponent("model.safetensors"), tensors: tensors, metadata: [:])
        #expect(throws: ModelFileError.unexpectedTensor(path: dir.appendingPathComponent("model.safetensors").path,
                                                        tensor: "classifier.weight")) {
            _ = try GPT.load(from: dir)
        }
    }
}

/// The Llama family's checkpoints as transformers writes them
/// (`Fixtures/make_llama_fixtures.py`), against transformers' own logits.
@Suite struct LlamaCheckpointTests {
    static func folder(_ name: String) -> URL { SafetensorsFixtures.folder.appendingPathComponent(name) }

    static func expected(_ name: String) throws -> CheckpointTests.Expected {
        try JSONDecoder().decode(CheckpointTests.Expected.self, from: Data(contentsOf: folder(name).appendingPathComponent("expected.json")))
    }

    /// Llama, Qwen2 and the newer families (FamilyCheckpointTests) against transformers' logits
    /// (computed in f32: the bf16 Llama is computed exactly, `set bf16 exact`).
    @Test(arguments: ["hf-llama", "hf-qwen2"] + FamilyCheckpointTests.causal)
    func logitsMatchTransformers(name: String) throws {
        Parallel.threads = 2
        let saved = BFloat16Products.compute
        defer { BFloat16Products.compute = saved }
        BFloat16Products.compute = .exact
        let model = try GPT.load(from: Self.folder(name))
        let expected = try Self.expected(name)
        let ours = CheckpointTests.logits(model, expected.tokens)
        #expect(ours.count == expected.logits.count)
        let worst = zip(ours, expected.logits).map { abs($0 - $1) }.max()!
        print("\(name) forward vs transformers: max abs diff \(worst)")
        #expect(worst <= 1e-4)
    }

    @Test func shapesComeFromTheConfig() throws {
        let llama = try GPT.load(from: Self.folder("hf-llama")).config
        #expect(llama.family == .llama && llama.kvHeads == 2 && llama.heads == 4 && !llama.tiedHead && !llama.attentionBias)
        #expect(llama.ropeScaling == .init(factor: 8, lowFrequencyFactor: 1, highFrequencyFactor: 4, originalContext: 16))
        #expect(llama.ropeTheta == 500_000 && llama.hidden == 48)
        let qwen = try GPT.load(from: Self.folder("hf-qwen2")).config
        #expect(qwen.family == .qwen2 && qwen.tiedHead && qwen.attentionBias && qwen.normEpsilon == 1e-6)
    }

    /// Each family's one-label *ForSequenceClassification: transformers' score at the last token.
    @Test(arguments: ["hf-llama-rm"] + FamilyCheckpointTests.rewardModels)
    func rewardModelScoresTheLastToken(name: String) throws {
        Parallel.threads = 2
        let model = try GPT.load(from: Self.folder(name))
        #expect(model.hasScalarHead)
        let expected = try Self.expected(name)
        let T = expected.tokens.count
        model.forward(tokens: expected.tokens, B: 1, T: T, head: .skipped)
        let score = model.scalarValues(at: [Int32(T - 1)])[0]
        print("\(name) score vs transformers: \(score) against \(expected.logits[0])")
        #expect(abs(score - expected.logits[0]) <= 1e-4)
    }

    /// Saved here, loaded back: the same config, parameters and special token ids (transformers'
    /// class defaults may lie outside the vocabulary, so they go back as they came).
    @Test(arguments: ["hf-llama", "hf-qwen2", "hf-llama-rm"] + FamilyCheckpointTests.causal + FamilyCheckpointTests.rewardModels)
    func roundTrips(name: String) throws {
        let model = try GPT.load(from: Self.folder(name))
        let dir = try SafetensorsFixtures.makeDirectory()
        defer { SafetensorsFixtures.removeDirectory(dir) }
        let saved = dir.appendingPathComponent("model")
        try model.save(to: saved)
        let back = try GPT.load(from: saved)
        #expect(back.config == model.config && back.hasScalarHead == model.hasScalarHead && back.precision == model.precision)
        #expect(back.parameters.array == model.parameters.array)
        #expect(back.tokenIDs == model.tokenIDs)
        if model.precision == .bfloat16 { #expect(PrecisionTests.halves(back) == PrecisionTests.halves(model)) }
        if name == "hf-gemma3" { #expect(model.tokenIDs == TokenIDs(bos: 2, eos: [1], pad: 0)) }
    }

    /// For each (from, to, reason): `source` with `from` replaced by `to` in its config.json
    /// is refused, with `reason` and config.json named.
    static func expectRefusals(of source: URL, _ cases: [(String, String, String)]) throws {
        let text = try String(contentsOf: source.appendingPathComponent("config.json"), encoding: .utf8)
        for (from, to, reason) in cases {
            #expect(text.contains(from), "the fixture's config.json has \(from)")
            let dir = try SafetensorsFixtures.makeDirectory()
            defer { SafetensorsFixtures.removeDirectory(dir) }
            try text.replacingOccurrences(of: from, with: to).write(to: dir.appendingPathComponent("config.json"), atomically: true, encoding: .utf8)
            try FileManager.default.copyItem(at: source.appendingPathComponent("model.safetensors"), to: dir.appendingPathComponent("model.safetensors"))
            do {
                _ = try GPT.load(from: dir)
                Issue.record("\(to) was accepted")
            } catch {
                let message = (error as? LocalizedError)?.errorDescription ?? "\(error)"
                #expect(message.contains(reason) && message.contains("config.json"), "\(message)")
            }
        }
    }

    /// Config keys this engine cannot honour are refused with the key named.
    @Test func unsupportedConfigsAreRefused() throws {
        let cases: [(String, String, String)] = [
            ("\"model_type\": \"llama\"", "\"model_type\": \"gemma\"", "model_type is 'gemma'"),
            ("\"rope_type\": \"llama3\"", "\"rope_type\": \"yarn\"", "rope scaling of type 'yarn'"),
            ("\"num_key_value_heads\": 2", "\"num_key_value_heads\": 3", "must be a multiple of num_key_value_heads"),
            ("\"hidden_act\": \"silu\"", "\"hidden_act\": \"gelu\"", "hidden_act is 'gelu'"),
            ("\"mlp_bias\": false", "\"mlp_bias\": true", "mlp_bias is true"),
            // head_dim is honoured (Qwen3, Gemma 3), so q_proj's shape no longer fits.
            ("\"head_dim\": 8", "\"head_dim\": 16", "config.json implies [64, 32]"),
        ]
        try Self.expectRefusals(of: Self.folder("hf-llama"), cases)
    }
}

/// Sharded checkpoints: model.safetensors.index.json and its shards.
@Suite struct ShardedCheckpointTests {
    /// hf-qwen2's tensors written here as two shards with an index, as save_pretrained shards a large model.
    static func shard(_ dir: URL, lie: Bool = false, dropSecond: Bool = false) throws {
        let source = LlamaCheckpointTests.folder("hf-qwen2")
        let model = try GPT.load(from: source)
        try FileManager.default.copyItem(at: source.appendingPathComponent("config.json"), to: dir.appendingPathComponent("config.json"))
        let specs = model.layout.specs, half = specs.count / 2
        var map: [String: String] = [:]
        for (i, part) in [Array(specs[..<half]), Array(specs[half...])].enumerated() {
            let name = "model-0000\(i + 1)-of-00002.safetensors"
            if dropSecond && i == 1 { for s in part { map[s.name] = name }; continue }
            let tensors = part.map { (name: $0.name, shape: $0.shape, data: UnsafePointer(model.parameters.pointer + $0.offset)) }
            try Safetensors.write(dir.appendingPathComponent(name), tensors: tensors, metadata: ["format": "pt"])
            for s in part { map[s.name] = name }
        }
        if lie { map[specs[0].name] = "model-00002-of-00002.safetensors" }
        let index = try JSONSerialization.data(withJSONObject: ["metadata": ["total_size": 0], "weight_map": map], options: [.sortedKeys])
        try index.write(to: dir.appendingPathComponent("model.safetensors.index.json"))
    }

    @Test func loadsShardsAndMatchesTransformers() throws {
        let dir = try SafetensorsFixtures.makeDirectory()
        defer { SafetensorsFixtures.removeDirectory(dir) }
        try Self.shard(dir)
        let model = try GPT.load(from: dir)
        let expected = try LlamaCheckpointTests.expected("hf-qwen2")
        let worst = zip(CheckpointTests.logits(model, expected.tokens), expected.logits).map { abs($0 - $1) }.max()!
        #expect(worst <= 1e-4)
    }

    @Test func aMissingShardOrAWrongMapIsNamed() throws {
        for (lie, drop, reason) in [(false, true, "the shard model-00002-of-00002.safetensors that weight_map names is missing"),
                                    (true, false, "which does not hold it")] {
            let dir = try SafetensorsFixtures.makeDirectory()
            defer { SafetensorsFixtures.removeDirectory(dir) }
            try Self.shard(dir, lie: lie, dropSecond: drop)
            do {
                _ = try GPT.load(from: dir)
                Issue.record("a broken sharded checkpoint was accepted")
            } catch {
                let message = (error as? LocalizedError)?.errorDescription ?? "\(error)"
                #expect(message.contains(reason) && message.contains("model.safetensors.index.json"), "\(message)")
            }
        }
    }
}
