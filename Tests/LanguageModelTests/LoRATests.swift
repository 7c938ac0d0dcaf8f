import Foundation
import Kernels
@testable import LanguageModel
import Testing

/// Low-rank adapters: gradients by central differences (the base frozen),
/// PEFT's own adapters (Fixtures/make_lora_fixtures.py) giving peft's logits
/// adapted and merged, and the adapter files written here read back.
@Suite struct LoRATests {
    /// A model of `config` with adapters on `targets`, A and B both random (B starts
    /// at zero in training, which would hide A's gradient).
    static func adapted(_ config: GPTConfig, targets: [String], scalarHead: Bool = false, rank: Int = 2) -> GPT {
        let model = ModelGradientTests.model(scalarHead: scalarHead, config: config)
            .withLoRA(LoRASettings(rank: rank, alpha: 3, targets: targets), seed: 5)
        var rng = Random(seed: 17)
        for spec in model.layout.specs where spec.role == .loraB || spec.role == .loraA {
            rng.fillNormal(model.parameters.pointer + spec.offset, spec.count, std: 0.3)
        }
        return model
    }

    /// The worst relative difference between backward's gradients and central
    /// differences of `loss`, over elements of every trainable tensor; infinite when a
    /// frozen tensor has room for a gradient (the buffer holds the trainable tail only).
    static func check(_ model: GPT, _ loss: () -> Double) -> Double {
        let origin = model.gradients.origin
        if origin == 0 || model.layout.specs.contains(where: { !$0.inBase && !$0.role.trainsWithAdapters && $0.offset + $0.count > origin }) {
            return .infinity
        }
        // Two steps: through SmolLM3's layer without rotary positions an adapter's loss curves enough
        // that a step of 3e-3 misses by 3% (1e-3: by 0.4%); elsewhere 1e-3 is lost in float32's rounding.
        return ModelGradientTests.check(model, loss, elements: 6, twoSteps: true, only: { $0.role.trainsWithAdapters })
    }

    static let cases: [(GPTConfig, [String])] = [
        (ModelGradientTests.llamaConfigs[0], LoRASettings.modules(.llama)),
        (ModelGradientTests.llamaConfigs[1], ["k_proj", "up_proj", "o_proj"]),
        (ModelGradientTests.config, LoRASettings.modules(.gpt2)),
        (ModelGradientTests.config, ["c_fc"]),
    ] + ModelGradientTests.llamaConfigs.dropFirst(2).map { ($0, LoRASettings.modules($0.family)) }

    @Test(arguments: 0..<8)
    func languageModelGradientReachesOnlyTheAdapters(index: Int) {
        Parallel.threads = 2
        let (config, targets) = Self.cases[index]
        let model = Self.adapted(config, targets: targets)
        let (tokens, targetIDs, weights) = (ModelGradientTests.tokens, ModelGradientTests.targets, ModelGradientTests.weights)
        func loss() -> Double {
            model.forward(tokens: tokens, B: 2, T: 6)
            return Double(model.languageModelLoss(targets: targetIDs, weights: weights, backward: false))
        }
        model.forward(tokens: tokens, B: 2, T: 6)
        _ = model.languageModelLoss(targets: targetIDs, weights: weights, backward: true)
        model.zeroGradients()
        model.backward()
        #expect(Self.check(model, loss) < 2e-2, "\(targets)")
    }

    /// LoRA dropout: a training pass drops each adapter's inputs with a mask drawn from the
    /// pass's count, backward draws the same mask (central differences through it agree),
    /// and passes outside training read the inputs whole.
    @Test(arguments: [ModelGradientTests.llamaConfigs[0], ModelGradientTests.config])
    func dropoutMasksTheAdaptersInputsInTrainingOnly(config: GPTConfig) {
        let base = Self.adapted(config, targets: LoRASettings.modules(config.family))
        var settings = base.lora!
        settings.dropout = 0.3
        let model = GPT(config: config, scalarHead: false, parameters: base.parameters, base: base.baseMatrices, lora: settings)
        let (tokens, targets, weights) = (ModelGradientTests.tokens, ModelGradientTests.targets, ModelGradientTests.weights)
        func logits(training: Bool, draws: UInt64) -> [Float] {
            model.training = training
            model.dropoutDraws = draws
            model.forward(tokens: tokens, B: 2, T: 6)
            model.training = false
            return Array(UnsafeBufferPointer(start: model.logits, count: 12 * config.vocabularySize))
        }
        #expect(logits(training: false, draws: 0) == logits(training: false, draws: 5))
        base.forward(tokens: tokens, B: 2, T: 6)
        #expect(logits(training: false, draws: 0) == Array(UnsafeBufferPointer(start: base.logits, count: 12 * config.vocabularySize)))
        #expect(logits(training: true, draws: 7) == logits(training: true, draws: 7))
        #expect(logits(training: true, draws: 7) != logits(training: true, draws: 8))
        #expect(logits(training: true, draws: 7) != logits(training: false, draws: 7))
        model.training = true
        defer { model.training = false }
        func loss() -> Double {
            model.dropoutDraws = 20
            model.forward(tokens: tokens, B: 2, T: 6)
            return Double(model.languageModelLoss(targets: targets, weights: weights, backward: false))
        }
        model.dropoutDraws = 20
        model.forward(tokens: tokens, B: 2, T: 6)
        _ = model.languageModelLoss(targets: targets, weights: weights, backward: true)
        model.zeroGradients()
        model.backward()
        #expect(Self.check(model, loss) < 2e-2)
    }

    @Test func rewardModelGradientReachesAdaptersAndHead() {
        let model = Self.adapted(ModelGradientTests.llamaConfigs[0], targets: ["q_proj", "v_proj"], scalarHead: true)
        let at: [Int32] = [5, 3]
        func loss() -> Double {
            model.forward(tokens: ModelGradientTests.tokens, B: 2, T: 6, head: .skipped)
            let v = model.scalarValues(at: at)
            return Double(0.7 * v[0] - 1.3 * v[1])
        }
        model.forward(tokens: ModelGradientTests.tokens, B: 2, T: 6, head: .skipped)
        _ = model.scalarValues(at: at)
        model.zeroGradients()
        model.scalarBackward(dvalues: [0.7, -1.3], at: at)
        model.backward(throughLogits: false)
        #expect(Self.check(model, loss) < 2e-2)
    }

    /// Fresh adapters (B = 0) change nothing; merging folds them into the weights
    /// so the plain model computes what the adapted one does, cached sampling included.
    @Test(arguments: [ModelGradientTests.llamaConfigs[0], ModelGradientTests.config])
    func freshAdaptersChangeNothingAndMergingKeepsTheFunction(config: GPTConfig) {
        let base = ModelGradientTests.model(scalarHead: false, config: config)
        let targets = LoRASettings.modules(config.family)
        let fresh = base.withLoRA(LoRASettings(rank: 3, targets: targets), seed: 1)
        func logits(_ m: GPT) -> [Float] {
            m.forward(tokens: ModelGradientTests.tokens, B: 2, T: 6)
            return Array(UnsafeBufferPointer(start: m.logits, count: 12 * config.vocabularySize))
        }
        #expect(logits(fresh) == logits(base))
        let adapted = Self.adapted(config, targets: targets)
        let merged = adapted.merged()
        #expect(merged.lora == nil && merged.parameterCount == base.parameterCount)
        let (a, m) = (logits(adapted), logits(merged))
        #expect(zip(a, m).map { abs($0 - $1) }.max()! < 1e-4)
        #expect(zip(a, logits(base)).map { abs($0 - $1) }.max()! > 0.1)
        var r1 = Random(seed: 2), r2 = Random(seed: 2)
        let settings = SamplingSettings(temperature: 0, maxNewTokens: 3)
        #expect(adapted.generate(prompts: [[1, 5, 2]], settings: settings, rng: &r1)[0].tokens
                == merged.generate(prompts: [[1, 5, 2]], settings: settings, rng: &r2)[0].tokens)
    }

    /// An AdamW step moves the adapters and nothing of the frozen base.
    @Test func anOptimiserStepMovesOnlyTheAdapters() {
        let model = Self.adapted(ModelGradientTests.llamaConfigs[0], targets: ["q_proj", "up_proj"])
        let before = model.parameters.array
        model.forward(tokens: ModelGradientTests.tokens, B: 2, T: 6)
        _ = model.languageModelLoss(targets: ModelGradientTests.targets, weights: ModelGradientTests.weights, backward: true)
        model.zeroGradients()
        model.backward()
        #expect(model.optimizer(AdamWSettings(learningRate: 1e-2)).update(parameters: model.parameters.pointer,
                                                                          gradients: model.gradients.pointer).applied)
        let after = model.parameters.array
        #expect(before[..<model.layout.baseCount] == after[..<model.layout.baseCount])
        #expect(before[model.layout.baseCount...] != after[model.layout.baseCount...])
        #expect(model.trainableCount == model.layout.count - model.layout.baseCount)
    }

    /// A binary32 model given adapters reads its frozen matrices from the parameters of
    /// the model it was made from, and so do its copies: no second copy of the base. That
    /// model copies its parameters before it trains them itself, so the adapted model's
    /// base stays as it was; converting and dropping the adapters read the shared buffer.
    @Test(arguments: [ModelGradientTests.llamaConfigs[0], ModelGradientTests.config])
    func adaptersShareABinary32BaseUntilItTrains(config: GPTConfig) {
        let base = ModelGradientTests.model(scalarHead: false, config: config)
        let before = base.parameters.array
        let adapted = Self.adapted(config, targets: [LoRASettings.modules(config.family)[0]])
        let fresh = base.withLoRA(adapted.lora!, seed: 1)
        fresh.parameters.copy(from: adapted.parameters)  // the same adapters, on `base`
        guard case .float32(let shared)? = fresh.baseMatrices, case .float32(let again)? = fresh.copy().baseMatrices else {
            Issue.record("no binary32 base buffer"); return
        }
        #expect(shared === base.parameters && again === shared)
        #expect(fresh.parameterCount == base.parameterCount + fresh.trainableCount)
        #expect(fresh.parameters.count == fresh.layout.count && fresh.layout.count < base.layout.count)
        func loss(_ model: GPT, backward: Bool = false) -> Float {
            model.forward(tokens: ModelGradientTests.tokens, B: 2, T: 6)
            return model.languageModelLoss(targets: ModelGradientTests.targets, weights: ModelGradientTests.weights,
                                           backward: backward)
        }
        let adaptedLoss = loss(fresh)
        #expect(adaptedLoss != loss(base))
        _ = loss(base, backward: true)
        base.zeroGradients()
        base.backward()
        #expect(base.optimizer(AdamWSettings(learningRate: 1e-2)).update(parameters: base.parameters.pointer,
                                                                         gradients: base.gradients.pointer).applied)
        #expect(base.parameters !== shared && base.parameters.array != before && shared.array == before)
        #expect(loss(fresh) == adaptedLoss)
        #expect(fresh.withoutAdapters().parameters.array == before)
        let roundTrip = fresh.converted(to: .bfloat16).converted(to: .float32).withoutAdapters().parameters.array
        #expect(zip(roundTrip, before).allSatisfy { abs($0 - $1) <= abs($1) / 256 } && roundTrip != before)
    }

    /// An adapter saved alone names its base folder only while the base is as loaded:
    /// training it whole, or folding adapters in, marks it changed, and copies keep the mark.
    @Test func theBaseIsMarkedChangedOnceItTrainsOrMerges() throws {
        let base = try GPT.load(from: SafetensorsFixtures.folder.appendingPathComponent("hf-llama"), precision: .float32)
        let settings = LoRASettings(rank: 2, targets: ["q_proj"])
        #expect(!base.baseChanged && !base.withLoRA(settings, seed: 1).baseChanged)
        let adapted = base.withLoRA(settings, seed: 1)
        _ = adapted.optimizer()
        #expect(!adapted.baseChanged && !adapted.copy().baseChanged)
        #expect(adapted.merged().baseChanged)
        _ = base.optimizer()
        #expect(base.baseChanged && base.copy().baseChanged && base.withLoRA(settings, seed: 1).baseChanged)
    }

    struct Expected: Decodable {
        let ids: [[Int32]]
        let logits: [Float]
        let base_logits: [Float]
        let merged_logits: [Float]
        let tensors: [Tensor]
        struct Tensor: Decodable { let name: String; let shape: [Int] }
    }

    /// PEFT's adapters on the tiny Llama (all seven modules, GQA, untied) and Qwen2
    /// (q and v only, q/k/v bias): peft's logits, adapted and merged, to 1e-4. The Llama is
    /// held in bf16 as its file is, and computed exactly (`set bf16 exact`), as peft computed it in f32.
    @Test(arguments: [("hf-llama", "hf-llama-lora"), ("hf-qwen2", "hf-qwen2-lora")])
    func peftAdaptersGivePeftsLogits(base: String, adapter: String) throws {
        let saved = BFloat16Products.compute
        defer { BFloat16Products.compute = saved }
        BFloat16Products.compute = .exact
        let folder = SafetensorsFixtures.folder
        let e = try JSONDecoder().decode(Expected.self, from: Data(contentsOf: folder.appendingPathComponent("\(adapter)/expected.json")))
        let baseModel = try GPT.load(from: folder.appendingPathComponent(base))
        #expect(GPT.isAdapterDirectory(folder.appendingPathComponent(adapter)))
        let model = try GPT.loadAdapter(from: folder.appendingPathComponent(adapter), onto: baseModel)
        #expect(model.layout.specs.filter { $0.role == .loraA || $0.role == .loraB }.count == e.tensors.count)
        func logits(_ m: GPT) -> [Float] {
            m.forward(tokens: e.ids.flatMap { $0 }, B: e.ids.count, T: e.ids[0].count)
            return Array(UnsafeBufferPointer(start: m.logits, count: e.logits.count))
        }
        func diff(_ a: [Float], _ b: [Float]) -> Float { zip(a, b).map { abs($0 - $1) }.max()! }
        #expect(diff(logits(model), e.logits) <= 1e-4)
        #expect(diff(logits(model.merged()), e.merged_logits) <= 1e-4)
        #expect(diff(logits(baseModel), e.base_logits) <= 1e-4)
    }

    /// An adapter saved here reads back the same, and its files are PEFT's layout.
    @Test func savedAdaptersReadBack() throws {
        let base = ModelGradientTests.model(scalarHead: false, config: ModelGradientTests.llamaConfigs[1])
        let model = Self.adapted(ModelGradientTests.llamaConfigs[1], targets: ["v_proj", "down_proj"], rank: 3)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lora-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        try model.saveAdapter(to: dir, baseName: "tiny")
        let names = try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
        #expect(names == ["adapter_config.json", "adapter_model.safetensors"])
        let file = try SafetensorsFile.open(dir.appendingPathComponent("adapter_model.safetensors"))
        #expect(file.names.sorted().first == "base_model.model.model.layers.0.mlp.down_proj.lora_A.weight")
        #expect(file.tensors["base_model.model.model.layers.1.self_attn.v_proj.lora_B.weight"]?.shape == [8, 3])
        let back = try GPT.loadAdapter(from: dir, onto: base)
        #expect(back.lora?.targets == ["down_proj", "v_proj"] && back.lora?.rank == 3 && back.lora?.alpha == 3)
        #expect(back.parameters.array == model.parameters.array)
    }

    @Test(arguments: [
        (#""peft_type": "LORA""#, #""peft_type": "IA3""#, #"peft_type is not "LORA"; only LoRA adapters load"#),
        (#""use_dora": false"#, #""use_dora": true"#, "use_dora: DoRA adapters are not supported"),
        (#""modules_to_save": null"#, #""modules_to_save": ["lm_head"]"#,
         "modules_to_save is set; only one rank and alpha on every layer, with nothing else saved, is supported"),
        (#""r": 3"#, #""r": 0"#, "r must be a positive integer"),
        (#""v_proj""#, #""c_attn""#,
         "target_modules: c_attn is not a linear layer of a llama model; those are q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj, down_proj"),
        (#""r": 3"#, #""r": 2"#, "WRONGSHAPE"),
    ])
    func badAdaptersAreRefusedNamingTheKey(find: String, replace: String, message: String) throws {
        let base = ModelGradientTests.model(scalarHead: false, config: ModelGradientTests.llamaConfigs[1])
        let model = Self.adapted(ModelGradientTests.llamaConfigs[1], targets: ["v_proj", "down_proj"], rank: 3)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lora-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        try model.saveAdapter(to: dir, baseName: nil)
        let configURL = dir.appendingPathComponent("adapter_config.json")
        let text = try String(contentsOf: configURL, encoding: .utf8)
        #expect(text.contains(find))
        try text.replacingOccurrences(of: find, with: replace).write(to: configURL, atomically: true, encoding: .utf8)
        let error = #expect(throws: ModelFileError.self) { try GPT.loadAdapter(from: dir, onto: base) }
        let expected = message == "WRONGSHAPE"
            ? ModelFileError.wrongShape(path: dir.appendingPathComponent("adapter_model.safetensors").path,
                                        tensor: "base_model.model.model.layers.0.self_attn.v_proj.lora_A.weight", expected: [2, 8], found: [3, 8])
            : ModelFileError.badConfig(path: configURL.path, reason: message)
        #expect(error == expected)
    }
}
