import Kernels
import LanguageModel
import Testing

/// The memory estimate the training commands check before they start is what a
/// step then holds: a model's bytes after one step of (B, T), less its
/// parameters, equal `trainingMemory(B:T:)` to the byte, for every family, with
/// and without adapters (and their dropout), with a scalar head, and with blocks
/// recomputed past the activation budget; a pass with no backward holds
/// `forwardMemory`; a step that repeats adds nothing more.
@Suite(.serialized) struct MemoryEstimateTests {
    static let configs: [GPTConfig] = [ModelGradientTests.config] + ModelGradientTests.llamaConfigs
        + FamilyShapes.configs(width: 8, heads: 2, kvHeads: 1, mlpWidth: 12, contextLength: 6, vocabularySize: 11, window: 3)

    /// One AdamW step of `model` on B·T tokens, through the LM head in chunks or the scalar head.
    static func step(_ model: GPT, B: Int, T: Int) {
        let tokens = (0..<(B * T)).map { Int32($0 % model.config.vocabularySize) }
        let optimizer = model.optimizer()
        model.zeroGradients()
        model.training = true
        defer { model.training = false }
        if model.hasScalarHead {
            model.forward(tokens: tokens, B: B, T: T, head: .skipped)
            for i in 0..<(B * T * model.config.width) { model.hiddenGradients[i] = 0.01 }
        } else {
            model.forward(tokens: tokens, B: B, T: T, head: .chunked)
            _ = model.languageModelLoss(targets: tokens.map { ($0 + 1) % Int32(model.config.vocabularySize) },
                                        weights: [Float](repeating: 1, count: B * T), backward: true)
        }
        model.backward()
        optimizer.update(parameters: model.parameters.pointer, gradients: model.gradients.pointer)
    }

    @Test(arguments: configs)
    func aStepHoldsWhatWasEstimated(config: GPTConfig) {
        var models: [GPT] = [GPT(config: config, seed: 3), GPT(config: config, scalarHead: true, seed: 3)]
        let lora = LoRASettings(rank: 2, alpha: 4, targets: LoRASettings.modules(config.family), dropout: 0.1)
        models.append(GPT(config: config, seed: 3).withLoRA(lora, seed: 4))
        for model in models {
            for (B, T) in [(2, 6), (3, 4)] {
                let fresh = model.copy()
                let estimate = fresh.trainingMemory(B: B, T: T)
                #expect(fresh.trainingMemoryAdded(B: B, T: T) == estimate)
                Self.step(fresh, B: B, T: T)
                #expect(fresh.byteCount - fresh.layout.parameterBytes == estimate.total, "\(config.family) B=\(B) T=\(T) lora \(fresh.lora != nil)")
                #expect(estimate.gradients == fresh.layout.trainableCount * 4 || fresh.lora == nil)
                // Held now: a second step of the same shape adds nothing.
                #expect(fresh.trainingMemoryAdded(B: B, T: T).total == 0)
            }
        }
    }

    @Test func blocksPastTheBudgetAreRecomputedAndHoldLess() {
        let config = GPTConfig(layers: 4, heads: 2, width: 16, contextLength: 8, vocabularySize: 11)
        let all = GPT(config: config, seed: 1).trainingMemory(B: 2, T: 8)
        let saved = GPT.activationBudget
        defer { GPT.activationBudget = saved }
        GPT.activationBudget = 4096
        let model = GPT(config: config, seed: 1)
        let estimate = model.trainingMemory(B: 2, T: 8)
        #expect(estimate.activations < all.activations)
        Self.step(model, B: 2, T: 8)
        #expect(model.byteCount - model.layout.parameterBytes == estimate.total)
    }

    @Test(arguments: configs)
    func aPassWithoutBackwardHoldsItsEstimate(config: GPTConfig) {
        for model in [GPT(config: config, seed: 3), GPT(config: config, scalarHead: true, seed: 3)] {
            let tokens = [Int32](repeating: 1, count: 12)
            model.forward(tokens: tokens, B: 3, T: 4, head: model.hasScalarHead ? .skipped : .chunked, forBackward: false)
            #expect(model.byteCount - model.layout.parameterBytes == model.forwardMemory(B: 3, T: 4).total)
        }
    }

    /// By hand for GPT-2 small's shape at 8 × 1024: the parameters, a copy's share
    /// and the gradients and moments of every weight.
    @Test func gpt2SmallByHand() {
        let config = GPTConfig(layers: 12, heads: 12, width: 768, contextLength: 1024, vocabularySize: 50257)
        let layout = ParameterLayout(config: config, scalarHead: false)
        // 124,439,808 parameters: 50257·768 + 1024·768 + 12·(12·768² + 13·768) + 2·768 (tied head).
        #expect(layout.parameterCount == 124_439_808)
        let estimate = MemoryEstimate.training(layout, config: config, scalarHead: false, B: 8, T: 1024)
        #expect(MemoryEstimate.parameters(layout).total == 124_439_808 * 4)
        #expect(estimate.gradients == 124_439_808 * 4 && estimate.moments == 124_439_808 * 8)
        let lora = ParameterLayout(config: config, scalarHead: false, lora: LoRASettings(rank: 8, targets: ["c_attn"]))
        // Adapters on c_attn: A (8, 768) and B (2304, 8) per layer, 12 layers.
        #expect(MemoryEstimate.training(lora, config: config, scalarHead: false, B: 1, T: 1).gradients == 12 * (8 * 768 + 2304 * 8) * 4)
    }
}
