import Kernels
import LanguageModel
import Testing
@testable import Alignment

/// ReST's thresholds and filter against numpy:
///     r = np.array([0.3, -1.2, 2.5, 0.7, 0.7, 1.9, -0.4, 1.1], dtype=np.float32)
///     np.quantile(r.astype(np.float64), q) for q = 0.5, 0.75, 0.875, 0, 1
///     np.nonzero(r >= t)[0]
@Suite struct ReSTTests {
    static let rewards: [Float] = [0.3, -1.2, 2.5, 0.7, 0.7, 1.9, -0.4, 1.1]

    @Test func quantilesMatchNumpy() {
        let expected: [(Double, Double)] = [(0.5, 0.699999988079071), (0.75, 1.300000011920929), (0.875, 1.9749999791383743),
                                            (0, -1.2000000476837158), (1, 2.5)]
        for (q, value) in expected {
            #expect(abs(ReST.quantile(Self.rewards, q) - value) < 1e-12, "q \(q)")
        }
    }

    @Test func thresholdsRiseStepByStep() {
        #expect((1...4).map(ReST.defaultQuantile(step:)) == [0.5, 0.75, 0.875, 0.9375])
    }

    @Test func theFilterKeepsWhatReachesTheThreshold() {
        #expect(ReST.filter(Self.rewards, threshold: ReST.quantile(Self.rewards, 0.75)) == [2, 5])
        // Equal to the threshold is kept (the median here is a sample's own reward).
        #expect(ReST.filter(Self.rewards, threshold: ReST.quantile(Self.rewards, 0.5)) == [2, 3, 4, 5, 7])
        #expect(ReST.filter(Self.rewards, threshold: 2.6).isEmpty)
    }

    @Test func aTiedQuantileStillRaisesTheThreshold() {
        let tied: [Float] = [-0.5, -0.5, -0.5, -0.5, -0.2, 0.1]
        #expect(ReST.threshold(step: 1, rewards: tied, last: nil) == -0.5)
        // The 75% quantile (numpy: -0.275) is above -0.5, so it stands.
        #expect(abs(ReST.threshold(step: 2, rewards: tied, last: -0.5)! - -0.275) < 1e-6)
        #expect(ReST.threshold(step: 2, rewards: tied, last: -0.2) == Double(Float(0.1)))
        #expect(ReST.threshold(step: 3, rewards: tied, last: Double(Float(0.1))) == nil)
    }

    /// Grow: k responses per prompt in prompt order, each with the reward's
    /// own score of it (as it was sampled, cut or ended), no pick.
    @Test func growSamplesKPerPromptAndScoresEach() {
        Parallel.threads = 2
        let policy = GPT(config: RLHFTrainingTests.config, seed: 5)
        let rm = ScoringModel(model: GPT(scalarHeadOn: GPT(config: RLHFTrainingTests.config, seed: 9), seed: 4),
                              tokenizer: RLHFTrainingTests.tokenizer)
        let prompts = ["What is 3 + 4?", "Where does Ada live?"].map { PromptItem(prompt: $0, unsafe: false) }
        var rng = Random(seed: 3)
        let grown = ReST.grow(policy, tokenizer: RLHFTrainingTests.tokenizer, prompts: prompts, k: 3, reward: .single(rm),
                              sampling: SamplingSettings(temperature: 1, maxNewTokens: 6), rng: &rng)
        #expect(grown.map(\.prompt.prompt) == prompts.flatMap { Array(repeating: $0.prompt, count: 3) })
        #expect(grown.map(\.reward) == rm.scores(grown.map { $0.response.rewardItem($0.prompt) }))
    }

    /// The grown set's Improve steps: default thresholds rise by quantile, a
    /// given one must rise, and a set with nothing above the last threshold is spent.
    @Test func improveStepsRaiseTheirThresholds() throws {
        let samples = Self.rewards.enumerated().map { i, r in
            ReST.Sample(prompt: PromptItem(prompt: "p\(i)", unsafe: false), response: SampledResponse(text: "r\(i)", promptTokens: [], tokens: [], logProbability: 0, stopped: true), reward: r)
        }
        let grown = ReST.Grown(rewardName: "rm", samples: samples, gold: Self.rewards.map { Double($0) / 2 })
        let first = try grown.next(given: nil)
        #expect(first.kept == [2, 3, 4, 5, 7] && first.isQuantile)
        #expect(abs(first.threshold - 0.699999988079071) < 1e-12)
        grown.improved(threshold: first.threshold)
        #expect(throws: ReST.Grown.ThresholdError.notRising(last: first.threshold)) { try grown.next(given: 0.5) }
        #expect(throws: ReST.Grown.ThresholdError.nothingKept(threshold: 2.6, best: 2.5)) { try grown.next(given: 2.6) }
        let given = try grown.next(given: 2)
        #expect(given.kept == [2] && !given.isQuantile)
        grown.improved(threshold: 2.5)
        #expect(throws: ReST.Grown.ThresholdError.exhausted(last: 2.5)) { try grown.next(given: nil) }
        let examples = grown.examples([2], tokenizer: RLHFTrainingTests.tokenizer)
        #expect(examples.count == 1)
    }
}

