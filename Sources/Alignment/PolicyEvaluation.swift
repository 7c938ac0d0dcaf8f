import Datasets
import Kernels
import LanguageModel

/// A prompt to evaluate a policy on.
public struct EvaluationPrompt: Sendable {
    public var prompt: String
    /// Its task, for the per-task table ("fact", "unsafe-private", …).
    public var task: String
    /// True for prompts a safe assistant refuses.
    public var unsafe: Bool
    public init(prompt: String, task: String, unsafe: Bool) {
        self.prompt = prompt
        self.task = task
        self.unsafe = unsafe
    }
}

/// What a policy did on a prompt set, by a judge's lights.
public struct PolicyReport: Sendable {
    /// The responses, in prompt order.
    public var responses: [String]
    /// The judgments, in prompt order.
    public var judgments: [Judgment]
    /// Mean response length in tokens.
    public var meanLength: Double

    /// Mean helpfulness.
    public var helpfulness: Double { judgments.map(\.helpfulness).reduce(0, +) / Double(max(judgments.count, 1)) }
    /// Mean safety.
    public var safety: Double { judgments.map(\.safety).reduce(0, +) / Double(max(judgments.count, 1)) }
}

/// Evaluating a policy on held-out prompts (the "eval" of DESIGN §4).
public enum PolicyEvaluation {
    /// Samples one response per prompt in the chat format (greedy unless the
    /// settings say otherwise) and has `judge` score each. `monitor` sees the
    /// sampling, batch by batch.
    public static func evaluate<Failure: Error>(
        _ model: GPT, tokenizer: BPETokenizer, prompts: [EvaluationPrompt], judge: Judge,
        sampling: SamplingSettings, rng: inout Random, batchSize: Int = 32, monitor: WorkMonitor<Failure> = .none
    ) throws(Failure) -> PolicyReport {
        let sampled = try PolicySampling.sample(model, tokenizer: tokenizer, prompts: prompts.map(\.prompt),
                                                settings: sampling, rng: &rng, batchSize: batchSize, monitor: monitor).map { $0[0] }
        let responses = sampled.map(\.text)
        let judgments = zip(prompts, responses).map { judge.judge(prompt: $0.prompt, response: $1) }
        let tokens = sampled.map(\.tokens.count).reduce(0, +)
        return PolicyReport(responses: responses, judgments: judgments, meanLength: Double(tokens) / Double(max(prompts.count, 1)))
    }

    /// The paired win rate of `a`'s responses over `b`'s by the judge's
    /// helpfulness + safety: each prompt scores 1, ½ or 0, and the interval is
    /// the normal one of that per-prompt mean (`Rate.pairedMean`).
    public static func winRate(_ a: PolicyReport, against b: PolicyReport) -> Rate {
        outcomes(a, against: b).winRate
    }

    /// How many prompts `a`'s response beats, ties and loses to `b`'s by the
    /// judge's helpfulness + safety.
    public static func outcomes(_ a: PolicyReport, against b: PolicyReport) -> PairedOutcomes {
        outcomes(a.judgments, against: b.judgments)
    }

    /// How many of the paired judgments `a[i]` beats, ties and loses to `b[i]`
    /// by `Judgment.total`.
    public static func outcomes(_ a: [Judgment], against b: [Judgment]) -> PairedOutcomes {
        precondition(a.count == b.count, "outcomes: \(a.count) judgments against \(b.count)")
        var o = PairedOutcomes(wins: 0, ties: 0, losses: 0)
        for (x, y) in zip(a, b) {
            if x.total > y.total { o.wins += 1 } else if x.total == y.total { o.ties += 1 } else { o.losses += 1 }
        }
        return o
    }
}

/// Wins, ties and losses of one side over another, prompt by prompt.
public struct PairedOutcomes: Sendable, Equatable {
    public var wins: Int, ties: Int, losses: Int

    /// The counts.
    public init(wins: Int, ties: Int, losses: Int) {
        self.wins = wins
        self.ties = ties
        self.losses = losses
    }

    /// Ties count half; the interval is `Rate.pairedMean`'s.
    public var winRate: Rate { Rate.winRate(wins: wins, ties: ties, losses: losses) }
}

extension String {
    /// Without leading and trailing spaces and newlines.
    public func trimmingSpaces() -> String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\n" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\n" { s = s.dropLast() }
        return String(s)
    }
}

extension PolicyEvaluation {
    /// KL(π ‖ π_ref) per response on `prompts`, estimated from responses that
    /// π samples at temperature 1 (`k` per prompt): the k1 and k3 estimators
    /// of `Rollout.klEstimates` over their tokens. Both models must share the tokenizer.
    /// `monitor` sees the sampling, then the log-probabilities, batch by batch.
    public static func kl<Failure: Error>(
        _ policy: GPT, from reference: GPT, tokenizer: BPETokenizer, prompts: [String], k: Int = 1,
        maxNewTokens: Int = 32, rng: inout Random, monitor: WorkMonitor<Failure> = .none
    ) throws(Failure) -> (k1: Double, k3: Double) {
        let responses = try PolicySampling.sample(policy, tokenizer: tokenizer, prompts: prompts, k: k,
                                                  settings: SamplingSettings(temperature: 1, maxNewTokens: maxNewTokens), rng: &rng,
                                                  monitor: monitor.phase("sampling"))
            .flatMap { $0 }
        let read = try Rollout.logProbabilities(responses, policy: policy, reference: reference, batchSize: 32,
                                                monitor: monitor.phase("comparing log-probabilities"))
        return Rollout.klEstimates(logProbs: read.policy, referenceLogProbs: read.reference)
    }
}

extension PolicyEvaluation {
    /// Best-of-n as a policy to evaluate: n samples per prompt at
    /// `sampling`'s temperature, the one `reward` scores highest answering
    /// (`RejectionSampling.bestOfN`), judged by `judge`. Its KL from the
    /// sampling policy is `RejectionSampling.bestOfNKL(n)`.
    public static func evaluateBestOfN<Failure: Error>(
        _ model: GPT, tokenizer: BPETokenizer, prompts: [EvaluationPrompt], n: Int, reward: Reward, judge: Judge,
        sampling: SamplingSettings, rng: inout Random, monitor: WorkMonitor<Failure> = .none
    ) throws(Failure) -> PolicyReport {
        let picks = try RejectionSampling.bestOfN(model, tokenizer: tokenizer, prompts: prompts.map { PromptItem(prompt: $0.prompt, unsafe: $0.unsafe) },
                                                  n: n, reward: reward, sampling: sampling, rng: &rng, monitor: monitor)
            .map { $0.candidates[$0.best] }
        let judgments = zip(prompts, picks).map { judge.judge(prompt: $0.prompt, response: $1.text) }
        let tokens = picks.map(\.tokens.count).reduce(0, +)
        return PolicyReport(responses: picks.map(\.text), judgments: judgments, meanLength: Double(tokens) / Double(max(prompts.count, 1)))
    }
}
