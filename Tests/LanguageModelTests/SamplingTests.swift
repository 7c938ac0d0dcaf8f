import Kernels
import LanguageModel
import Testing

@Suite struct SamplingTests {
    static let config = GPTConfig(layers: 2, heads: 4, width: 32, contextLength: 24, vocabularySize: 50)

    /// GPT-2's blocks, and the Llama family's with grouped queries, q/k/v bias and an untied head.
    static let cachedConfigs: [GPTConfig] = [
        config,
        .llama(layers: 2, heads: 4, keyValueHeads: 2, width: 32, mlpWidth: 40, contextLength: 24, vocabularySize: 50,
               ropeTheta: 1000, tiedHead: false, attentionBias: true),
    ] + FamilyShapes.configs(width: 32, heads: 4, kvHeads: 2, mlpWidth: 40, contextLength: 24, vocabularySize: 50, window: 5)

    static func model(_ config: GPTConfig = config) -> GPT {
        let model = GPT(config: config, seed: 9)
        var rng = Random(seed: 2)
        rng.fillNormal(model.parameters.pointer, model.parameterCount, std: 0.2)
        for spec in model.layout.specs where spec.role == .normWeight {
            for i in 0..<spec.count { model.parameters[spec.offset + i] += 1 }
        }
        return model
    }

    /// Logits (T, V) of one sequence from a full forward pass.
    static func fullLogits(_ model: GPT, _ tokens: [Int32]) -> [Float] {
        model.forward(tokens: tokens, B: 1, T: tokens.count)
        return Array(UnsafeBufferPointer(start: model.logits, count: tokens.count * model.config.vocabularySize))
    }

    @Test(arguments: cachedConfigs)
    func cachedLogitsEqualFullForward(config: GPTConfig) {
        Parallel.threads = 2
        let model = Self.model(config)
        let V = config.vocabularySize
        var rng = Random(seed: 4)
        let sequences: [[Int32]] = [20, 13, 17].map { n in (0..<n).map { _ in Int32(rng.int(below: V)) } }
        let prompts = [5, 1, 9]  // prefill lengths; the rest goes one token at a time
        let cache = KVCache(config: config, slots: 3, capacity: 20)
        var worst: Float = 0
        // Prefill all three prompts in one call, asking for every row's logits.
        var tokens: [Int32] = [], slots: [Int32] = [], positions: [Int32] = []
        for (b, n) in prompts.enumerated() {
            tokens += sequences[b][0..<n]
            slots += Array(repeating: Int32(b), count: n)
            positions += (0..<n).map(Int32.init)
        }
        let full = sequences.map { Self.fullLogits(model, $0) }
        let prefill = model.forwardCached(tokens: tokens, slots: slots, positions: positions,
                                          logitRows: Array(0..<tokens.count), cache: cache)
        for r in 0..<tokens.count {
            let b = Int(slots[r]), t = Int(positions[r])
            for v in 0..<V { worst = max(worst, abs(prefill[r * V + v] - full[b][t * V + v])) }
        }
        // Then decode: one row per unfinished sequence per call.
        var position = prompts
        while true {
            let live = (0..<3).filter { position[$0] < sequences[$0].count }
            if live.isEmpty { break }
            let logits = model.forwardCached(
                tokens: live.map { sequences[$0][position[$0]] }, slots: live.map { Int32($0) },
                positions: live.map { Int32(position[$0]) }, logitRows: Array(0..<live.count), cache: cache)
            for (i, b) in live.enumerated() {
                for v in 0..<V { worst = max(worst, abs(logits[i * V + v] - full[b][position[b] * V + v])) }
                position[b] += 1
            }
        }
        print("KV cache vs full forward: max abs diff \(worst)")
        #expect(worst <= 1e-4)
    }

    @Test func greedyFollowsTheArgmaxAndReportsLogProbabilities() {
        Parallel.threads = 2
        let model = Self.model()
        let V = Self.config.vocabularySize
        let prompt: [Int32] = [3, 14, 15]
        var rng = Random(seed: 1)
        let g = model.generate(prompts: [prompt], settings: SamplingSettings(temperature: 0, maxNewTokens: 6), rng: &rng)[0]
        #expect(g.tokens.count == 6 && !g.stopped)
        // Replay the whole sequence through a full forward pass.
        let all = prompt + g.tokens
        let logits = Self.fullLogits(model, all)
        for (i, token) in g.tokens.enumerated() {
            let row = Array(logits[((prompt.count - 1 + i) * V)..<((prompt.count + i) * V)])
            #expect(Int32(row.firstIndex(of: row.max()!)!) == token)
            let m = row.max()!
            let lse = m + Float(portableLog(Double(row.map { expScalar($0 - m) }.reduce(0, +))))
            #expect(abs(g.logProbabilities[i] - (row[Int(token)] - lse)) < 1e-4)
        }
    }

    @Test func samplingIsSeededAndStops() {
        Parallel.threads = 2
        let model = Self.model()
        let prompts: [[Int32]] = [[1, 2, 3], [4], [5, 6, 7, 8, 9, 10]]
        let settings = SamplingSettings(temperature: 1.3, maxNewTokens: 10)
        var a = Random(seed: 77), b = Random(seed: 77), c = Random(seed: 78)
        let first = model.generate(prompts: prompts, settings: settings, rng: &a)
        #expect(first == model.generate(prompts: prompts, settings: settings, rng: &b))
        #expect(first != model.generate(prompts: prompts, settings: settings, rng: &c))
        #expect(first.allSatisfy { $0.tokens.count == 10 && $0.logProbabilities.count == 10 })
        // With the third token drawn as the stop token, generation ends there.
        var alone = Random(seed: 77)
        let free = model.generate(prompts: [prompts[0]], settings: settings, rng: &alone)[0]
        let stop = free.tokens[2]
        var d = Random(seed: 77)
        let stopped = model.generate(prompts: [prompts[0]], settings: SamplingSettings(
            temperature: 1.3, maxNewTokens: 10, stopToken: stop), rng: &d)[0]
        #expect(stopped.stopped && stopped.tokens.last == stop && stopped.tokens.count <= 3)
        #expect(stopped.tokens == Array(free.tokens.prefix(stopped.tokens.count)))
        // The context bounds the length: a 20-token prompt in a 24-token context gets 4 more.
        var e = Random(seed: 1)
        let long = model.generate(prompts: [Array(repeating: 7, count: 20)], settings: settings, rng: &e)[0]
        #expect(long.tokens.count == 4)
        var f = Random(seed: 1)
        let none = model.generate(prompts: prompts, settings: SamplingSettings(maxNewTokens: 0), rng: &f)
        #expect(none.count == 3 && none.allSatisfy { $0.tokens.isEmpty })
    }

    @Test func topKOfOneIsGreedyAndTopPKeepsTheNucleus() {
        Parallel.threads = 2
        let model = Self.model()
        let prompts: [[Int32]] = [[1, 2], [9, 9, 9]]
        var r1 = Random(seed: 3), r2 = Random(seed: 4)
        let greedy = model.generate(prompts: prompts, settings: SamplingSettings(temperature: 0, maxNewTokens: 5), rng: &r1)
        let topOne = model.generate(prompts: prompts, settings: SamplingSettings(temperature: 0.8, topK: 1, maxNewTokens: 5), rng: &r2)
        #expect(greedy.map(\.tokens) == topOne.map(\.tokens))
        var r3 = Random(seed: 5)
        let tiny = model.generate(prompts: prompts, settings: SamplingSettings(temperature: 1, topP: 1e-6, maxNewTokens: 5), rng: &r3)
        #expect(tiny.map(\.tokens) == greedy.map(\.tokens), "a vanishing nucleus holds only the top token")
    }

    /// Continuous batching: more prompts than slots, each finished answer's
    /// slot refilled from the next prompt, its old keys and values overwritten.
    @Test(arguments: [1, 2])
    func refilledSlotsAnswerAsIfAlone(threads: Int) {
        Parallel.threads = threads
        let model = Self.model(Self.cachedConfigs[1])
        let V = model.config.vocabularySize
        let prompts: [[Int32]] = [[1, 2, 3], [4], [5, 6, 7, 8, 9, 10], [11, 12], [13], [14, 15, 16, 17], [18, 19, 20]]
        // Greedy, with a stop token that ends some answers early: each answer is the one it gets alone.
        var r = Random(seed: 1)
        let free = model.generate(prompts: [prompts[0]], settings: SamplingSettings(temperature: 0, maxNewTokens: 8), rng: &r)[0]
        let greedy = SamplingSettings(temperature: 0, maxNewTokens: 8, stopToken: free.tokens[2])
        let alone = prompts.map { p in model.generate(prompts: [p], settings: greedy, rng: &r)[0] }
        #expect(Set(alone.map(\.tokens.count)).count > 1, "answers end at different lengths, so slots refill mid-run")
        for slots in [1, 2, 3, 7] {
            let together = model.generate(prompts: prompts, settings: greedy, rng: &r, slots: slots)
            #expect(together.map(\.tokens) == alone.map(\.tokens), "\(slots) slots")
            for (a, b) in zip(together, alone) {
                #expect(zip(a.logProbabilities, b.logProbabilities).allSatisfy { abs($0 - $1) < 1e-4 })
            }
        }
        // Sampled through 2 slots: every token's log-probability is the full forward pass's over its own prefix.
        var s1 = Random(seed: 5), s2 = Random(seed: 5)
        let sampled = model.generate(prompts: prompts, settings: SamplingSettings(temperature: 1, maxNewTokens: 9, stopToken: 3),
                                     rng: &s1, slots: 2)
        #expect(sampled == model.generate(prompts: prompts, settings: SamplingSettings(temperature: 1, maxNewTokens: 9, stopToken: 3),
                                          rng: &s2, slots: 2))
        var worst: Float = 0
        for (prompt, g) in zip(prompts, sampled) {
            let logits = Self.fullLogits(model, prompt + g.tokens)
            for (i, token) in g.tokens.enumerated() {
                let row = Array(logits[((prompt.count - 1 + i) * V)..<((prompt.count + i) * V)])
                let m = row.max()!
                let lse = m + Float(portableLog(Double(row.map { expScalar($0 - m) }.reduce(0, +))))
                worst = max(worst, abs(g.logProbabilities[i] - (row[Int(token)] - lse)))
            }
        }
        #expect(worst < 1e-4)
    }
}
