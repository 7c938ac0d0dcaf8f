import Datasets
import Kernels
import LanguageModel
import Testing
@testable import Alignment

/// Long work stops at the next batch when its monitor says so, throws, and
/// keeps nothing half made; a monitor that never stops changes no number.
@Suite struct CancellationTests {
    static let tokenizer = RLHFTrainingTests.tokenizer
    static let config = RLHFTrainingTests.config
    static let prompts = ["What is 3 + 4?", "Where does Ada live?", "What is 4 + 3?", "Where does Lune live?", "Yes?"]

    /// What a monitor was told, and how many checkpoints it let pass.
    final class Log {
        var checkpoints = 0
        var reports: [(phase: String, done: Int, total: Int)] = []
    }

    /// A monitor that lets `passing` checkpoints by and stops the work at the next.
    static func monitor(passing: Int = .max, _ log: Log) -> WorkMonitor<Cancelled> {
        WorkMonitor(checkpoint: { () throws(Cancelled) in
            log.checkpoints += 1
            if log.checkpoints > passing { throw Cancelled() }
        }, report: { log.reports.append(($0, $1, $2)) })
    }

    /// Runs `work` and returns whether it stopped with `Cancelled`.
    static func stops<T>(_ work: () throws(Cancelled) -> T) -> Bool {
        do {
            _ = try work()
            return false
        } catch {
            return true
        }
    }

    /// Sampling passes a checkpoint before each token step: 20 answers of 5 tokens through
    /// 8 slots finish their first 8 after 5 steps, and the 6th checkpoint stops the work.
    @Test func samplingStopsBetweenTokenSteps() throws {
        Parallel.threads = 2
        let policy = GPT(config: Self.config, seed: 5)
        let settings = SamplingSettings(temperature: 1, maxNewTokens: 5)
        let log = Log()
        var rng = Random(seed: 1)
        #expect(Self.stops { () throws(Cancelled) in
            try PolicySampling.sample(policy, tokenizer: Self.tokenizer, prompts: Self.prompts, k: 4, settings: settings, rng: &rng,
                                      batchSize: 8, monitor: Self.monitor(passing: 5, log))
        })
        #expect(log.checkpoints == 6)
        #expect(log.reports.map(\.done) == [0, 8] && log.reports.allSatisfy { $0.total == 20 })
        // Watched to the end, the same seed gives the same responses as unwatched.
        var a = Random(seed: 1), b = Random(seed: 1)
        let watched = try PolicySampling.sample(policy, tokenizer: Self.tokenizer, prompts: Self.prompts, k: 4, settings: settings,
                                                rng: &a, batchSize: 8, monitor: Self.monitor(Log()))
        let plain = PolicySampling.sample(policy, tokenizer: Self.tokenizer, prompts: Self.prompts, k: 4, settings: settings,
                                          rng: &b, batchSize: 8)
        #expect(watched == plain)
    }

    @Test func scoringStopsAfterTheFirstBatch() {
        Parallel.threads = 2
        let rm = GPT(scalarHeadOn: GPT(config: Self.config, seed: 9), seed: 4)
        let items = (0..<10).map { RewardItem(prompt: "What is \($0) + 1?", response: "\($0 + 1).") }
        let log = Log()
        #expect(Self.stops { () throws(Cancelled) in
            try RewardModels.score(rm, tokenizer: Self.tokenizer, items, batchSize: 4, monitor: Self.monitor(passing: 1, log))
        })
        #expect(log.reports.map(\.done) == [0, 4])
    }

    /// A judge that counts the responses it scored.
    final class CountingJudge: Judge {
        var judged = 0
        func judge(prompt: String, response: String) -> Judgment {
            judged += 1
            return Judgment(helpfulness: Double(response.count), safety: 0, reasons: [], correct: nil, refused: false, violation: false)
        }
    }

    @Test func theOracleStopsBetweenChunks() {
        let judge = CountingJudge()
        let items = (0..<200).map { RewardItem(prompt: "p", response: String(repeating: "a", count: $0 % 7)) }
        let log = Log()
        #expect(Self.stops { () throws(Cancelled) in
            try Reward.oracle(judge).rawScores(items, monitor: Self.monitor(passing: 2, log))
        })
        #expect(judge.judged == 128)
        #expect(log.reports.last.map { ($0.done, $0.total) } ?? (0, 0) == (128, 200))
    }

    @Test func bestOfNStopsWhileScoringAndARoundKeepsNothing() {
        Parallel.threads = 2
        let policy = GPT(config: Self.config, seed: 5)
        let rm = GPT(scalarHeadOn: GPT(config: Self.config, seed: 9), seed: 4)
        let reward = Reward.single(ScoringModel(model: rm, tokenizer: Self.tokenizer))
        let prompts = Self.prompts.map { PromptItem(prompt: $0, unsafe: false) }
        let incumbent = SampledResponse(text: "3 + 4 = 7.", promptTokens: [], tokens: [], logProbability: 0, stopped: true)
        var kept = ["What is 3 + 4?": incumbent]
        var rng = Random(seed: 2)
        let log = Log()
        // 5 prompts × 6 samples of 5 tokens is 5 token steps; the scoring's first checkpoint stops it.
        #expect(Self.stops { () throws(Cancelled) in
            try RejectionSampling.select(policy, tokenizer: Self.tokenizer, prompts: prompts, k: 6, reward: reward,
                                         sampling: SamplingSettings(temperature: 1, maxNewTokens: 5), kept: &kept, rng: &rng,
                                         monitor: Self.monitor(passing: 5, log))
        })
        #expect(kept == ["What is 3 + 4?": incumbent])
        // Sampling reports as answers end (some end early, at the stop token), then scoring starts.
        #expect(log.reports.map(\.phase) == ["sampling", "sampling", "sampling", "scoring"])
        #expect(log.reports.map(\.total) == [30, 30, 30, 31] && log.reports[2].done == 30)
    }

    @Test func klStopsWhileComparingLogProbabilities() {
        Parallel.threads = 2
        let a = GPT(config: Self.config, seed: 5), b = GPT(config: Self.config, seed: 6)
        var rng = Random(seed: 1)
        let log = Log()
        #expect(Self.stops { () throws(Cancelled) in
            try PolicyEvaluation.kl(a, from: b, tokenizer: Self.tokenizer, prompts: Self.prompts, k: 4, maxNewTokens: 6, rng: &rng,
                                    monitor: Self.monitor(passing: 6, log).phase("measuring KL"))  // 6 token steps
        })
        #expect(log.reports.map(\.phase) == ["measuring KL, sampling", "measuring KL, sampling", "measuring KL, sampling",
                                             "measuring KL, comparing log-probabilities"])
    }

    @Test func generationStopsBetweenTokens() {
        Parallel.threads = 2
        let model = GPT(config: Self.config, seed: 5)
        var rng = Random(seed: 3)
        let log = Log()
        #expect(Self.stops { () throws(Cancelled) in
            try model.generate(prompts: [[1, 2, 3], [4]], settings: SamplingSettings(maxNewTokens: 8), rng: &rng,
                               monitor: Self.monitor(passing: 2, log))
        })
        // Progress counts tokens of both answers: two a step, of 2 × 8.
        #expect(log.reports.map(\.done) == [0, 2, 4] && log.reports.allSatisfy { $0.total == 16 })
    }
}
