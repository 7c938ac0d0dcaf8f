import Kernels
import LanguageModel
import Testing

/// Whole-model checks: the backward pass against central differences through
/// every named tensor, and a model that can memorise one batch.
@Suite struct ModelGradientTests {
    static let config = GPTConfig(layers: 2, heads: 2, width: 8, contextLength: 6, vocabularySize: 11)

    /// A model with larger-than-usual random weights, so attention and GELU are
    /// far from their linear regimes and every path carries gradient.
    static func model(scalarHead: Bool) -> GPT {
        let model = GPT(config: config, scalarHead: scalarHead, seed: 3)
        var rng = Random(seed: 11)
        for spec in model.layout.specs {
            let p = model.parameters.pointer + spec.offset
            rng.fillNormal(p, spec.count, std: 0.4)
            if spec.name.contains("ln_") && spec.name.hasSuffix(".weight") {
                for i in 0..<spec.count { p[i] += 1 }
            }
        }
        return model
    }

    /// Checks `model.gradients` against central differences of `loss` at a few
    /// elements of every tensor; returns the worst relative difference.
    static func check(_ model: GPT, _ loss: () -> Double) -> Double {
        var worst = 0.0, worstName = ""
        let typical = model.gradients.array.map { abs(Double($0)) }.reduce(0, +) / Double(model.parameterCount)
        for spec in model.layout.specs {
            for k in 0..<min(spec.count, 5) {
                let i = spec.offset + (k * 7919) % spec.count
                let saved = model.parameters[i]
                let eps: Float = 1e-2
                model.parameters[i] = saved + eps
                let up = loss()
                model.parameters[i] = saved - eps
                let down = loss()
                model.parameters[i] = saved
                let numeric = (up - down) / (2 * Double(eps))
                let diff = abs(numeric - Double(model.gradients[i])) / (1e-3 + 0.1 * typical + abs(numeric))
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

    @Test func scalarHeadGradient() {
        Parallel.threads = 2
        let model = Self.model(scalarHead: true)
        let positions: [Int32] = [5, 3]  // the second sequence's last real token is at 3
        let dvalues: [Float] = [0.7, -1.3]
        func loss() -> Double {
            model.forward(tokens: Self.tokens, B: 2, T: 6, computeLogits: false)
            let v = model.scalarValues(at: positions)
            return Double(v[0] * dvalues[0] + v[1] * dvalues[1])
        }
        model.forward(tokens: Self.tokens, B: 2, T: 6, computeLogits: false)
        model.zeroGradients()
        model.zeroOutputGradients(logits: false)
        model.scalarBackward(dvalues: dvalues, at: positions)
        model.backward(throughLogits: false)
        #expect(Self.check(model, loss) < 2e-2)
        // Tokens after position 3 of the second sequence cannot change its value.
        let before = model.scalarValues(at: positions)
        var padded = Self.tokens
        padded[10] = 1; padded[11] = 1
        model.forward(tokens: padded, B: 2, T: 6, computeLogits: false)
        #expect(model.scalarValues(at: positions)[1] == before[1])
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
