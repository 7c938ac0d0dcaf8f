import Datasets
import Kernels
import LanguageModel
import Testing
@testable import Alignment

/// Reward models and PPO on a toy: they learn what they should, and a bad
/// reward changes nothing.
@Suite struct RLHFTrainingTests {
    static let tokenizer: BPETokenizer = {
        let text = String(repeating: "What is 3 + 4? 3 + 4 = 7. Where does Ada live? Ada lives in Lune. No. Yes. ", count: 20)
        return try! BPETrainer.train(text: text, vocabularySize: 300)
    }()
    static let config = GPTConfig(layers: 1, heads: 2, width: 32, contextLength: 48, vocabularySize: tokenizer.vocabularySize)

    /// Groups where the right answer beats "No." for each prompt.
    static func groups(_ prompts: [(String, String)]) -> [ComparisonGroup] {
        prompts.map { ComparisonGroup(prompt: $0.0, responses: [$0.1, "No."], pairs: [.init(winner: 0, loser: 1)]) }
    }

    @Test func rewardModelLearnsComparisons() throws {
        Parallel.threads = 2
        let lm = GPT(config: Self.config, seed: 1)
        let rm = GPT(scalarHeadOn: lm, seed: 2)
        let train = Self.groups([("What is 3 + 4?", "3 + 4 = 7."), ("Where does Ada live?", "Ada lives in Lune."),
                                 ("What is 4 + 3?", "4 + 3 = 7.")])
        let heldOut = Self.groups([("Where does Lune live?", "Lune lives in Ada.")])
        var settings = TrainingSettings()
        settings.steps = 40
        settings.batchSize = 3
        settings.learningRate = 3e-3
        settings.warmup = 2
        settings.evaluateEvery = 20
        var rng = Random(seed: 3)
        var steps: [TrainingStep] = []
        try RewardModels.train(rm, tokenizer: Self.tokenizer, groups: train, heldOut: heldOut, settings: settings, rng: &rng) {
            steps.append($0)
        }
        func heldOutAccuracy(_ s: TrainingStep) -> Float? { s.metrics.first { $0.name == "heldout_accuracy" }?.value }
        print("reward model: loss \(steps[0].loss) -> \(steps.last!.loss), held-out accuracy \(heldOutAccuracy(steps.last!)!)")
        #expect(steps.count == 40 && heldOutAccuracy(steps[19]) != nil && heldOutAccuracy(steps[18]) == nil)
        #expect(steps.last!.loss < 0.1 && steps[0].loss > 0.3)
        #expect(heldOutAccuracy(steps.last!) == 1)
        let gaps = RewardModels.rewardGaps(rm, tokenizer: Self.tokenizer, train)
        #expect(gaps.allSatisfy { $0 > 0 })
    }

    static func ppo(seed: UInt64, policy: GPT? = nil, reward rm: GPT? = nil) -> PPO {
        let policy = policy ?? GPT(config: Self.config, seed: seed)
        let rm = rm ?? GPT(scalarHeadOn: GPT(config: Self.config, seed: 9), seed: 4)
        var settings = PPOSettings()
        settings.batchSize = 16
        settings.minibatchSize = 8
        settings.learningRate = 1e-3
        settings.valueLearningRate = 1e-3
        settings.sampling = SamplingSettings(temperature: 1, maxNewTokens: 6)
        let prompts = ["What is 3 + 4?", "Where does Ada live?"].map { PromptItem(prompt: $0, unsafe: false) }
        return PPO(policy: policy, reference: policy.copy(), value: rm.copy(), tokenizer: Self.tokenizer,
                   reward: .single(ScoringModel(model: rm, tokenizer: Self.tokenizer)), prompts: prompts,
                   settings: settings, judge: nil)
    }

    /// A policy finetuned to answer "Yes." or "No.", and a reward model that
    /// prefers "Yes.": PPO must raise the reward model's score well above where
    /// it started (on a model this small it finds other answers the reward
    /// model likes even more, which is reward hacking in miniature).
    static let yesNoPrompts = ["What is 3 + 4?", "Where does Ada live?"]

    /// A toy policy finetuned (60 steps of 8, lr 3e-3) to answer either
    /// prompt "Yes." or "No.", and its training settings.
    static func yesNoPolicy(rng: inout Random) throws -> (GPT, TrainingSettings) {
        Parallel.threads = 2
        let policy = GPT(config: Self.config, seed: 5)
        var settings = TrainingSettings()
        settings.steps = 60
        settings.batchSize = 8
        settings.learningRate = 3e-3
        settings.warmup = 5
        settings.evaluateEvery = 0
        let demos = yesNoPrompts.flatMap { p in ["Yes.", "No."].map { ChatExample(prompt: p, response: $0, tokenizer: Self.tokenizer) } }
        try LanguageModelTraining.finetune(policy, examples: demos, heldOut: [], padding: 0, settings: settings, rng: &rng) { _ in }
        return (policy, settings)
    }

    @Test func ppoRaisesTheProxyReward() throws {
        let t = Self.tokenizer
        let prompts = Self.yesNoPrompts
        var rng = Random(seed: 3)
        let (policy, settings) = try Self.yesNoPolicy(rng: &rng)
        let rm = GPT(scalarHeadOn: policy, seed: 2)
        var rmSettings = settings
        rmSettings.steps = 30
        try RewardModels.train(rm, tokenizer: t, groups: prompts.map {
            ComparisonGroup(prompt: $0, responses: ["Yes.", "No."], pairs: [.init(winner: 0, loser: 1)])
        }, heldOut: [], settings: rmSettings, rng: &rng) { _ in }
        let trainer = Self.ppo(seed: 5, policy: policy, reward: rm)
        var reports: [PPOReport] = []
        for _ in 0..<15 { reports.append(try trainer.step(rng: &rng)) }
        print("ppo: proxy by iteration " + reports.map { String(format: "%.2f", $0.proxy) }.joined(separator: " "))
        let early = reports.prefix(3).map(\.proxy).reduce(0, +) / 3, late = reports.suffix(3).map(\.proxy).reduce(0, +) / 3
        #expect(late > early + 1)
        #expect(reports.allSatisfy { $0.klK3 >= 0 && $0.clipFraction >= 0 && $0.clipFraction <= 1 && $0.valueLoss.isFinite })
        let batch = trainer.last!
        #expect(batch.responses.count == 16 && batch.logProbs.indices.allSatisfy { batch.logProbs[$0].count == batch.responses[$0].tokens.count })
        // Per-token rewards are the KL penalty, plus the score at the last token.
        for i in batch.responses.indices {
            let kl = zip(batch.logProbs[i], batch.referenceLogProbs[i]).map { -Float(reports.last!.beta) * ($0 - $1) }
            #expect(abs(batch.rewards[i].last! - (kl.last! + batch.scores[i])) < 1e-5)
        }
    }

    @Test func theFirstRolloutHasNoKL() throws {
        let trainer = Self.ppo(seed: 5)
        var rng = Random(seed: 6)
        let report = try trainer.step(rng: &rng)
        #expect(report.klK1 == 0 && report.klK3 == 0, "the first rollout comes from the reference itself")
    }

    /// One update moves log π up where the advantage is positive and down where it is negative.
    @Test func anUpdateFollowsTheAdvantages() throws {
        Parallel.threads = 2
        let trainer = Self.ppo(seed: 5)
        var rng = Random(seed: 6)
        _ = try trainer.step(rng: &rng)
        let batch = trainer.last!
        let flat = whiten(batch.advantages.flatMap { $0 })
        var change: [Float] = []
        for i in batch.responses.indices {
            let now = trainer.currentLogProbs(of: i)
            change += zip(now, batch.logProbs[i]).map { $0 - $1 }
        }
        let agreement = zip(flat, change).map { $0 * $1 }.reduce(0, +)
        print("advantage · Δlog π = \(agreement)")
        #expect(agreement > 0)
    }

    @Test func aNonFiniteRewardRejectsTheStep() {
        Parallel.threads = 2
        let trainer = Self.ppo(seed: 5)
        guard case let .single(scoring) = trainer.reward else { Issue.record("expected one reward model"); return }
        scoring.model.parameter("score.weight")[0] = .nan
        let before = trainer.policy.parameters.array, valueBefore = trainer.value.parameters.array
        var rng = Random(seed: 6)
        #expect(throws: PPOError.self) { try trainer.step(rng: &rng) }
        #expect(trainer.policy.parameters.array == before && trainer.value.parameters.array == valueBefore)
        #expect(trainer.iteration == 0 && trainer.last == nil)
    }

    @Test func klOfAPolicyFromItselfIsZero() {
        Parallel.threads = 2
        let a = GPT(config: Self.config, seed: 5), b = GPT(config: Self.config, seed: 6)
        let prompts = ["What is 3 + 4?", "Where does Ada live?"]
        var rng = Random(seed: 1)
        let same = PolicyEvaluation.kl(a, from: a.copy(), tokenizer: Self.tokenizer, prompts: prompts, k: 4, maxNewTokens: 6, rng: &rng)
        #expect(same.k1 == 0 && same.k3 == 0)
        let other = PolicyEvaluation.kl(a, from: b, tokenizer: Self.tokenizer, prompts: prompts, k: 4, maxNewTokens: 6, rng: &rng)
        #expect(other.k3 > 0 && other.k1.isFinite)
    }

    @Test func bestOfNPicksTheHighestRewardAndKeepsIncumbents() {
        Parallel.threads = 2
        let policy = GPT(config: Self.config, seed: 5)
        let rm = GPT(scalarHeadOn: GPT(config: Self.config, seed: 9), seed: 4)
        let reward = Reward.single(ScoringModel(model: rm, tokenizer: Self.tokenizer))
        let prompts = [PromptItem(prompt: "What is 3 + 4?", unsafe: false)]
        var rng = Random(seed: 2)
        let sampling = SamplingSettings(temperature: 1, maxNewTokens: 5)
        let first = RejectionSampling.bestOfN(policy, tokenizer: Self.tokenizer, prompts: prompts, n: 6, reward: reward,
                                              sampling: sampling, rng: &rng)[0]
        #expect(first.candidates.count == 6 && first.rewards[first.best] == first.rewards.max())
        let champion = first.candidates[first.best]
        let second = RejectionSampling.bestOfN(policy, tokenizer: Self.tokenizer, prompts: prompts, n: 3, reward: reward,
                                               sampling: sampling, rng: &rng, incumbents: [champion])[0]
        #expect(second.candidates.count == 4 && second.candidates[3] == champion)
        #expect(second.rewards[second.best] >= second.rewards[3] - 1e-5)
    }
}
