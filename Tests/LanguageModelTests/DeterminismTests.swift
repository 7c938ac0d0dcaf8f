import Kernels
import LanguageModel
import Testing

/// The same inputs give the same bits with one thread or two (DESIGN §6):
/// every parallel kernel splits its output into pieces fixed by the shape.
@Suite(.serialized) struct DeterminismTests {
    /// A training step and a sampling call, returning every number they produce.
    static func run(threads: Int) -> [Float] {
        Parallel.threads = threads
        defer { Parallel.threads = 2 }
        // Narrow and short: the shapes where OpenBLAS switches kernels by size.
        let config = GPTConfig(layers: 2, heads: 2, width: 64, contextLength: 20, vocabularySize: 512)
        let model = GPT(config: config, seed: 5)
        var rng = Random(seed: 6)
        let tokens = (0..<40).map { _ in Int32(rng.int(below: 512)) }
        let targets = (0..<40).map { _ in Int32(rng.int(below: 512)) }
        model.forward(tokens: tokens, B: 2, T: 20)
        let loss = model.languageModelLoss(targets: targets, weights: [Float](repeating: 1.0 / 40, count: 40), backward: true)
        model.zeroGradients()
        model.backward()
        let grads = model.gradients.array
        model.optimizer().update(parameters: model.parameters.pointer, gradients: model.gradients.pointer)
        var sampling = Random(seed: 7)
        let samples = model.generate(prompts: [[1, 2, 3], [4]], settings: SamplingSettings(maxNewTokens: 8), rng: &sampling)
        return [loss] + grads + model.parameters.array + samples.flatMap(\.logProbabilities) + samples.flatMap { $0.tokens.map(Float.init) }
    }

    @Test func oneAndTwoThreadsAgreeBitForBit() {
        let one = Self.run(threads: 1), two = Self.run(threads: 2)
        let differing = zip(one, two).filter { $0.bitPattern != $1.bitPattern }.count
        #expect(one.count == two.count && differing == 0, "\(differing) of \(one.count) numbers differ")
    }
}
