import Foundation
import Kernels
import LanguageModel
import Testing

/// Passes that hold less: the LM head a chunk of positions at a time gives the
/// held head's losses, log-probabilities, entropies and gradients; a pass that
/// keeps only the blocks' inputs gives the same gradients as one that keeps
/// everything; a pass no backward follows gives the same outputs and holds less.
@Suite(.serialized) struct ActivationMemoryTests {
    static let configs = [ModelGradientTests.config] + ModelGradientTests.llamaConfigs
    /// Wide enough for the vector loops, several blocks of threads' work and more than one head chunk.
    static let wide: [GPTConfig] = [
        .llama(layers: 2, heads: 4, keyValueHeads: 2, width: 64, mlpWidth: 96, contextLength: 40, vocabularySize: 300),
        GPTConfig(layers: 2, heads: 2, width: 48, contextLength: 40, vocabularySize: 300),
    ]

    /// Runs `body` with head chunks of 5 positions (of a vocabulary of 11) and the activation budget at `budget` bytes.
    static func with<R>(budget: Int = GPT.activationBudget, _ body: () throws -> R) rethrows -> R {
        let saved = (GPT.headChunkFloats, GPT.headChunkMinimum, GPT.activationBudget)
        defer { (GPT.headChunkFloats, GPT.headChunkMinimum, GPT.activationBudget) = saved }
        (GPT.headChunkFloats, GPT.headChunkMinimum, GPT.activationBudget) = (55, 1, budget)
        return try body()
    }

    static func gradients(_ model: GPT) -> [Float] { model.gradients.array }

    static func largest(_ x: [Float]) -> Float { x.map(abs).max()! }

    /// The next-token loss (plain and label-smoothed) and its gradients, the policy-gradient
    /// path (log-probabilities, their backward; with adapters, through the directions kept
    /// in the forward) and entropies: chunks of 5 of 12 positions against the held logits.
    @Test(arguments: configs)
    func chunkedHeadMatchesHeldHead(config: GPTConfig) {
        Parallel.threads = 2
        let (tokens, targets, weights) = (ModelGradientTests.tokens, ModelGradientTests.targets, ModelGradientTests.weights)
        var rng = Random(seed: 8)
        let dlogp = (0..<tokens.count).map { i in i % 4 == 3 ? 0 : Float(rng.normal()) }
        Self.with {
            for smoothing: Float in [0, 0.2] {
                var results: [(loss: Float, grads: [Float], logp: [Float], entropy: [Float], pg: [Float])] = []
                for (head, adapters) in [(HeadPass.held, false), (.chunked, false), (.held, true), (.chunked, true)] {
                    var model = ModelGradientTests.model(scalarHead: false, config: config)
                    if adapters {
                        model = model.withLoRA(LoRASettings(rank: 2, alpha: 3, targets: LoRASettings.modules(config.family)), seed: 5)
                        var rng = Random(seed: 12)
                        for spec in model.layout.specs where spec.role.trainsWithAdapters {
                            rng.fillNormal(model.parameters.pointer + spec.offset, spec.count, std: 0.3)
                        }
                    }
                    model.zeroGradients()
                    model.forward(tokens: tokens, B: 2, T: 6, head: head)
                    let loss = model.languageModelLoss(targets: targets, weights: weights, smoothing: smoothing, backward: true)
                    model.backward()
                    let grads = Self.gradients(model)
                    model.zeroGradients()
                    model.forward(tokens: tokens, B: 2, T: 6, head: head)
                    let logp = model.tokenLogProbabilities(targets: targets), entropy = model.tokenEntropies()
                    model.logProbabilityBackward(dlogp: dlogp, targets: targets)
                    model.backward()
                    results.append((loss, grads, logp, entropy, Self.gradients(model)))
                }
                for (held, chunked) in [(results[0], results[1]), (results[2], results[3])] {
                #expect(abs(held.loss - chunked.loss) <= 1e-6 * abs(held.loss), "\(config) ε \(smoothing): \(held.loss) \(chunked.loss)")
                #expect(zip(held.logp, chunked.logp).allSatisfy { abs($0 - $1) <= 1e-6 * max(1, abs($0)) })
                #expect(zip(held.entropy, chunked.entropy).allSatisfy { abs($0 - $1) <= 1e-5 })
                for (a, b) in [(held.grads, chunked.grads), (held.pg, chunked.pg)] {
                    let worst = zip(a, b).map { abs($0 - $1) }.max()!
                    #expect(worst <= 1e-5 * Self.largest(a), "\(config) ε \(smoothing): \(worst) of \(Self.largest(a))")
                }
                }
            }
        }
    }

    /// Keeping only the blocks' inputs and running each block again in the backward gives
    /// the very same gradients, for a whole model and for adapters (with LoRA dropout).
    @Test(arguments: configs)
    func recomputedBlocksGiveTheSameGradients(config: GPTConfig) {
        Parallel.threads = 2
        let (tokens, targets, weights) = (ModelGradientTests.tokens, ModelGradientTests.targets, ModelGradientTests.weights)
        // Everything kept; only inputs (from block 0); the first block whole and the second's input.
        let probe = ModelGradientTests.model(scalarHead: false, config: config)
        let oneBlock = (8...40).map { 1 << $0 }.first { budget in
            Self.with(budget: budget) { probe.memoryForBackward(B: 2, T: 6) == .inputs(from: 1) }
        }!
        #expect(Self.with(budget: 0) { probe.memoryForBackward(B: 2, T: 6) } == .inputs(from: 0))
        #expect(Self.with(budget: Int.max) { probe.memoryForBackward(B: 2, T: 6) } == .all)
        for adapters in [false, true] {
            var grads: [[Float]] = [], bytes: [Int] = []
            for budget in [Int.max, 0, oneBlock] {
                Self.with(budget: budget) {
                    var model = ModelGradientTests.model(scalarHead: false, config: config)
                    if adapters {
                        model = model.withLoRA(LoRASettings(rank: 2, alpha: 3, targets: LoRASettings.modules(config.family), dropout: 0.3), seed: 5)
                        model.training = true
                    }
                    model.zeroGradients()
                    model.forward(tokens: tokens, B: 2, T: 6, head: .chunked)
                    _ = model.languageModelLoss(targets: targets, weights: weights, backward: true)
                    model.backward()
                    grads.append(Self.gradients(model))
                    bytes.append(model.byteCount)
                }
            }
            #expect(grads[0] == grads[1] && grads[0] == grads[2], "\(config), adapters \(adapters): recomputation changed the gradients")
            #expect(bytes[1] < bytes[2] && bytes[2] <= bytes[0], "\(config): keeping the inputs only holds \(bytes) bytes")
        }
    }

    /// A pass no backward follows: the same log-probabilities, less memory.
    @Test(arguments: configs + wide)
    func passWithoutBackwardHoldsLess(config: GPTConfig) {
        Parallel.threads = 2
        let T = config.contextLength, B = 3
        var rng = Random(seed: 2)
        let tokens = (0..<(B * T)).map { _ in Int32(rng.int(below: config.vocabularySize)) }
        let targets = (0..<(B * T)).map { _ in Int32(rng.int(below: config.vocabularySize)) }
        var logp: [[Float]] = [], bytes: [Int] = []
        for forBackward in [true, false] {
            let model = ModelGradientTests.model(scalarHead: false, config: config)
            model.forward(tokens: tokens, B: B, T: T, head: .chunked, forBackward: forBackward)
            logp.append(model.tokenLogProbabilities(targets: targets))
            bytes.append(model.byteCount)
        }
        #expect(logp[0] == logp[1])
        #expect(bytes[1] < bytes[0], "\(bytes)")
    }
}
