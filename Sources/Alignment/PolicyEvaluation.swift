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
    /// settings say otherwise) and has `judge` score each.
    public static func evaluate(
        _ model: GPT, tokenizer: BPETokenizer, prompts: [EvaluationPrompt], judge: Judge,
        sampling: SamplingSettings, rng: inout Random, batchSize: Int = 32
    ) -> PolicyReport {
        let sampled = PolicySampling.sample(model, tokenizer: tokenizer, prompts: prompts.map(\.prompt),
                                            settings: sampling, rng: &rng, batchSize: batchSize).map { $0[0] }
        let responses = sampled.map(\.text)
        let judgments = zip(prompts, responses).map { judge.judge(prompt: $0.prompt, response: $1) }
        let tokens = sampled.map(\.tokens.count).reduce(0, +)
        return PolicyReport(responses: responses, judgments: judgments, meanLength: Double(tokens) / Double(max(prompts.count, 1)))
    }

    /// The share of prompts where `a`'s response beats `b`'s by the judge's
    /// helpfulness + safety (ties count half).
    public static func winRate(_ a: PolicyReport, against b: PolicyReport) -> Double {
        precondition(a.judgments.count == b.judgments.count, "winRate: reports of different prompt sets")
        var wins = 0.0
        for (x, y) in zip(a.judgments, b.judgments) {
            let sx = x.helpfulness + x.safety, sy = y.helpfulness + y.safety
            wins += sx > sy ? 1 : sx == sy ? 0.5 : 0
        }
        return wins / Double(max(a.judgments.count, 1))
    }
}

extension String {
    /// Without leading and trailing spaces and newlines.
    func trimmingSpaces() -> String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\n" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\n" { s = s.dropLast() }
        return String(s)
    }
}
