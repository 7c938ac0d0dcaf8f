import Foundation
import Kernels
import LanguageModel
import Testing

/// Whole-model checks: the backward pass against central differences through
/// every named tensor, and a model that can memorise one batch.
@Suite struct ModelGradientTests {
    static let config = GPTConfig(layers: 2, heads: 2, width: 8, contextLength: 6, vocabularySize: 11)
    /// The Llama family's shapes: grouped-query attention with Qwen2's q/k/v
    /// bias and a tied head (SmolLM's), and multi-head with an untied head (Llama's).
    static let llamaConfigs: [GPTConfig] = [
        .llama(layers: 2, heads: 4, keyValueHeads: 2, width: 16, mlpWidth: 12, contextLength: 6, vocabularySize: 11,
               normEpsilon: 1e-6, ropeTheta: 100, tiedHead: true, attentionBias: true),
        .llama(layers: 2, heads: 2, keyValueHeads: 2, width: 8, mlpWidth: 20, contextLength: 6, vocabularySize: 11,
               ropeTheta: 10, ropeScaling: .init(factor: 4, lowFrequencyFactor: 1, highFrequencyFactor: 2, originalContext: 4)),
    ] + FamilyShapes.configs(width: 8, heads: 2, kvHeads: 1, mlpWidth: 12, contextLength: 6, vocabularySize: 11, window: 3)

    /// A model with larger-than-usual random weights, so attention and GELU are
    /// far from their linear regimes and every path carries gradient.
    static func model(scalarHead: Bool, config: GPTConfig = config) -> GPT {
        let model = GPT(config: config, scalarHead: scalarHead, seed: 3)
        var rng = Random(seed: 11)
        for spec in model.layout.specs {
            let p = model.parameters.pointer + spec.offset
            rng.fillNormal(p, spec.count, std: 0.4)
            if spec.role == .normWeight {
                for i in 0..<spec.count { p[i] += 1 }
            }
        }
        return model
    }

    /// Checks `model.gradients` against central differences of `loss` at a few
    /// elements of every tensor (of those `only` keeps); returns the worst relative difference.
    /// With `twoSteps`, central differences with steps 3e-3 and 1e-3 are both taken and the
    /// closer one counts: the larger step's truncation error shows where the loss curves
    /// strongly, the smaller step's float32 rounding where gradients are small.
    static func check(_ model: GPT, _ loss: () -> Double, elements: Int = 5, twoSteps: Bool = false,
                      only: (ParameterSpec) -> Bool = { _ in true }) -> Double {
        var worst = 0.0, worstName = ""
        let specs = model.layout.specs.filter(only)
        // The scale of a gradient here, so float32's rounding of the loss does not count as error.
        let typical = specs.map { s in (0..<s.count).map { abs(Double(model.gradients[s.offset + $0])) }.reduce(0, +) }
            .reduce(0, +) / Double(specs.map(\.count).reduce(0, +))
        for spec in specs {
            for k in 0..<min(spec.count, elements) {
                let i = spec.offset + (k * 7919) % spec.count
                let saved = model.parameters[i]
                func quotient(_ eps: Float) -> Double {
                    model.parameters[i] = saved + eps
                    let up = loss()
                    model.parameters[i] = saved - eps
                    let down = loss()
                    model.parameters[i] = saved
                    return (up - down) / (2 * Double(eps))
                }
                func error(_ numeric: Double) -> Double {
                    abs(numeric - Double(model.gradients[i])) / (1e-3 + 0.1 * typical + abs(numeric))
                }
                let diff = twoSteps ? min(error(quotient(3e-3)), error(quotient(1e-3))) : error(quotient(3e-3))
                if diff > worst { (worst, worstName) = (diff, spec.name) }
            }
        }
        print("whole-model gradient check: max relative diff \(worst) at \(worstName)")
        return worst
    }

    static let tokens: [Int32] = [1, 5, 2, 9, 10, 0, 3, 3, 7, 4, 8, 6]
    static let targets: [Int32] = [5, 2, 9, 10, 0, 1, 3, 7, 4, 8, 6, 2]
    static let weights: [Float] = [0.1, 0.2, 0, 0.15, 0.05, 0.1, 0, 0.1, 0.1, 0.1, 0.05, 0.05]

    @Test func languageModelGradient() {
        Parallel.threads = 2
        let model = Self.model(scalarHead: false)
        func loss() -> Double {
            model.forward(tokens: Self.tokens, B: 2, T: 6)
            return Double(model.languageModelLoss(targets: Self.targets, weights: Self.weights, backward: false))
        }
        model.forward(tokens: Self.tokens, B: 2, T: 6)
        _ = model.languageModelLoss(targets: Self.targets, weights: Self.weights, backward: true)
        model.zeroGradients()
        model.backward()
        #expect(Self.check(model, loss) < 2e-2)
    }

    /// The Llama family's blocks (RMSNorm, rotary positions, SwiGLU, grouped
    /// queries, q/k/v bias, tied and untied heads) through the same checks.
    @Test(arguments: llamaConfigs)
    func llamaLanguageModelGradient(config: GPTConfig) {
        Parallel.threads = 2
        let model = Self.model(scalarHead: false, config: config)
        func loss() -> Double {
            model.forward(tokens: Self.tokens, B: 2, T: 6)
            return Double(model.languageModelLoss(targets: Self.targets, weights: Self.weights, backward: false))
        }
        model.forward(tokens: Self.tokens, B: 2, T: 6)
        _ = model.languageModelLoss(targets: Self.targets, weights: Self.weights, backward: true)
        model.zeroGradients()
        model.backward()
        #expect(Self.check(model, loss) < 2e-2)
    }

    @Test(arguments: llamaConfigs)
    func llamaScalarHeadGradient(config: GPTConfig) {
        Parallel.threads = 2
        let model = Self.model(scalarHead: true, config: config)
        let positions: [Int32] = [5, 3]
        let dvalues: [Float] = [0.7, -1.3]
        func loss() -> Double {
            model.forward(tokens: Self.tokens, B: 2, T: 6, head: .skipped)
            let v = model.scalarValues(at: positions)
            return Double(v[0] * dvalues[0] + v[1] * dvalues[1])
        }
        model.forward(tokens: Self.tokens, B: 2, T: 6, head: .skipped)
        model.zeroGradients()
        model.zeroOutputGradients()
        model.scalarBackward(dvalues: dvalues, at: positions)
        model.backward(throughLogits: false)
        #expect(model.layout["lm_head.weight"] == nil)
        #expect(Self.check(model, loss) < 2e-2)
    }

    @Test func scalarHeadGradient() {
        Parallel.threads = 2
        let model = Self.model(scalarHead: true)
        let positions: [Int32] = [5, 3]  // the second sequence's last real token is at 3
        let dvalues: [Float] = [0.7, -1.3]
        func loss() -> Double {
            model.forward(tokens: Self.tokens, B: 2, T: 6, head: .skipped)
            let v = model.scalarValues(at: positions)
            return Double(v[0] * dvalues[0] + v[1] * dvalues[1])
        }
        model.forward(tokens: Self.tokens, B: 2, T: 6, head: .skipped)
        model.zeroGradients()
        model.zeroOutputGradients()
        model.scalarBackward(dvalues: dvalues, at: positions)
        model.backward(throughLogits: false)
        #expect(Self.check(model, loss) < 2e-2)
        // Tokens after position 3 of the second sequence cannot change its value.
        let before = model.scalarValues(at: positions)
        var padded = Self.tokens
        padded[10] = 1; padded[11] = 1
        model.forward(tokens: padded, B: 2, T: 6, head: .skipped)
        #expect(model.scalarValues(at: positions)[1] == before[1])
    }

    /// The policy-gradient path: a loss Σ cₙ·log p(targetₙ) enters at the
    /// log-probabilities (PPO, DPO).
    @Test func logProbabilityGradient() {
        Parallel.threads = 2
        let model = Self.model(scalarHead: false)
        let c: [Float] = [0.3, -0.2, 0, 0.5, -0.4, 0.1, 0, 0.25, -0.6, 0.2, 0.05, -0.1]
        func loss() -> Double {
            model.forward(tokens: Self.tokens, B: 2, T: 6)
            return zip(model.tokenLogProbabilities(targets: Self.targets), c).map { Double($0 * $1) }.reduce(0, +)
        }
        model.forward(tokens: Self.tokens, B: 2, T: 6)
        _ = model.tokenLogProbabilities(targets: Self.targets)
        model.zeroGradients()
        model.logProbabilityBackward(dlogp: c, targets: Self.targets)
        model.backward()
        #expect(Self.check(model, loss) < 2e-2)
    }

    /// A value model's per-token values, and their gradient.
    @Test func everyPositionScalarGradient() {
        Parallel.threads = 2
        let model = Self.model(scalarHead: true)
        let dvalues: [Float] = [0.3, -0.2, 0, 0.5, -0.4, 0.1, 0, 0.25, -0.6, 0.2, 0.05, -0.1]
        func loss() -> Double {
            model.forward(tokens: Self.tokens, B: 2, T: 6, head: .skipped)
            return zip(model.scalarValuesEveryPosition(), dvalues).map { Double($0 * $1) }.reduce(0, +)
        }
        model.forward(tokens: Self.tokens, B: 2, T: 6, head: .skipped)
        let all = model.scalarValuesEveryPosition()
        #expect(all[5] == model.scalarValues(at: [5, 3])[0] && all[9] == model.scalarValues(at: [5, 3])[1])
        model.zeroGradients()
        model.scalarBackwardEveryPosition(dvalues: dvalues)
        model.backward(throughLogits: false)
        #expect(Self.check(model, loss) < 2e-2)
    }

    /// Entropy of each next-token distribution against a direct computation.
    @Test func entropiesMatchTheSoftmax() {
        let model = Self.model(scalarHead: false)
        model.forward(tokens: Self.tokens, B: 2, T: 6)
        _ = model.tokenLogProbabilities(targets: Self.targets)
        let entropies = model.tokenEntropies()
        let V = Self.config.vocabularySize
        for n in 0..<12 {
            let row = (0..<V).map { Double(model.logits[n * V + $0]) }
            let top = row.max()!
            let z = row.map { exp($0 - top) }.reduce(0, +)
            let h = -row.map { let p = exp($0 - top) / z; return p * log(p) }.reduce(0, +)
            #expect(abs(Double(entropies[n]) - h) < 1e-4, "position \(n)")
        }
    }

    /// A reward model starts from the trunk, and reading it back as a language model loses nothing.
    @Test func rewardModelKeepsTheTrunk() {
        let lm = Self.model(scalarHead: false)
        let rm = GPT(scalarHeadOn: lm, seed: 2)
        #expect(rm.hasScalarHead && rm.parameterCount == lm.parameterCount + Self.config.width)
        for spec in lm.layout.specs {
            #expect(Array(UnsafeBufferPointer(start: rm.parameter(spec.name), count: spec.count))
                == Array(UnsafeBufferPointer(start: lm.parameter(spec.name), count: spec.count)), "\(spec.name)")
        }
        let back = GPT(languageModelFrom: rm)
        #expect(back.parameters.array == lm.parameters.array)
    }

    @Test func overfitsOneBatch() {
        Parallel.threads = 2
        let config = GPTConfig(layers: 2, heads: 2, width: 32, contextLength: 16, vocabularySize: 20)
        let model = GPT(config: config, seed: 1)
        var rng = Random(seed: 5)
        let tokens = (0..<32).map { _ in Int32(rng.int(below: 20)) }
        let targets = (0..<32).map { _ in Int32(rng.int(below: 20)) }
        let weights = [Float](repeating: 1.0 / 32, count: 32)
        let optimizer = model.optimizer(AdamWSettings(learningRate: 1e-2, weightDecay: 0))
        var first: Float = 0, last: Float = 0
        for step in 0..<300 {
            model.forward(tokens: tokens, B: 2, T: 16)
            last = model.languageModelLoss(targets: targets, weights: weights, backward: true)
            if step == 0 { first = last }
            model.zeroGradients()
            model.backward()
            optimizer.update(parameters: model.parameters.pointer, gradients: model.gradients.pointer)
        }
        print("overfit: loss \(first) -> \(last)")
        #expect(abs(first - Float(portableLog(20))) < 0.1, "a fresh model is near uniform")
        #expect(last < 0.05)
    }
}
